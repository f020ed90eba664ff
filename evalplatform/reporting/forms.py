from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional


class HeaderForm(FlaskForm):
    title = StringField(
        _l("报告标题"),
        validators=[DataRequired(_l("请填写报告标题")), Length(max=200, message=_l("不超过 200 个字符"))],
    )
    number = StringField(_l("报告文号"), validators=[Optional(), Length(max=60, message=_l("不超过 60 个字符"))])


class SectionForm(FlaskForm):
    body = TextAreaField(validators=[Length(max=20_000, message=_l("本章节不超过 20000 字"))])


class CommentForm(FlaskForm):
    """Submit / approve / issue need no text; return and reopen need a comment or reason."""

    comment = TextAreaField(_l("意见或原因"), validators=[Optional(), Length(max=2000)])
    # The partner's reason for submitting or issuing although the readiness checklist lists missing items.
    override_reason = TextAreaField(_l("跳过完整性检查的理由"), validators=[Optional(), Length(max=2000)])


class AnnexForm(FlaskForm):
    """Attach an evidence original to the version being prepared, or (remove) take it off."""

    evidence_id = IntegerField(_l("证据"), validators=[InputRequired(_l("请选择证据"))])
    remove = BooleanField()
