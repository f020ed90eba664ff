from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class DistributionForm(FlaskForm):
    instrument_id = SelectField(_l("问卷"), coerce=int)
    name = StringField(_l("渠道名称"), validators=[DataRequired(_l("请填写渠道名称")), Length(max=200)])
    stratum = StringField(_l("分层（村/学校/点位/群体）"), validators=[DataRequired(_l("请填写分层")), Length(max=200)])
    opens_at = DateTimeLocalField(_l("开放时间"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    closes_at = DateTimeLocalField(_l("截止时间"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    quota = IntegerField(
        _l("目标样本量"), validators=[Optional(), NumberRange(min=1, max=1_000_000, message=_l("样本量应为正整数"))]
    )
    population = IntegerField(
        _l("总体规模（户数或人数）"),
        validators=[Optional(), NumberRange(min=1, max=100_000_000, message=_l("总体规模应为正整数"))],
    )
    one_per_device = BooleanField(_l("每台设备限答一次"))
    sponsor = StringField(_l("委托与实施说明（显示在问卷标题下）"), validators=[Optional(), Length(max=300)])
    contact = StringField(_l("联系方式（显示在问卷末尾）"), validators=[Optional(), Length(max=300)])


class InvalidateForm(FlaskForm):
    reason = StringField(_l("无效原因"), validators=[DataRequired(_l("标记无效必须填写原因")), Length(max=500)])


class PlainForm(FlaskForm):
    """CSRF only (close a distribution, restore a response)."""
