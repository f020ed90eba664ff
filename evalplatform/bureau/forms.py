from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..fields import MoneyField

KIND_LABELS = {
    "budget_adjustment": _l("预算调整"),
    "rectification": _l("整改要求"),
    "policy": _l("完善政策制度"),
    "other": _l("其他"),
}
STATUS_LABELS = {"open": _l("待整改"), "in_progress": _l("整改中"), "done": _l("已完成")}


class ApplicationForm(FlaskForm):
    kind = SelectField(_l("应用方式"), choices=list(KIND_LABELS.items()))
    requirement = TextAreaField(
        _l("内容与要求"),
        validators=[DataRequired(_l("请填写结果应用内容")), Length(max=2000, message=_l("不超过 2000 个字符"))],
    )
    responsible_unit = StringField(
        _l("责任单位"), validators=[Optional(), Length(max=200, message=_l("不超过 200 个字符"))]
    )
    due_date = DateField(_l("整改期限"), validators=[Optional()])
    budget_change = MoneyField(
        _l("预算调整金额（元，调减填负数）"),
        validators=[Optional(), NumberRange(min=-(10**15), max=10**15, message=_l("金额超出范围"))],
    )


class ProgressForm(FlaskForm):
    status = SelectField(_l("整改状态"), choices=list(STATUS_LABELS.items()))
    responsible_unit = StringField(
        _l("责任单位"), validators=[Optional(), Length(max=200, message=_l("不超过 200 个字符"))]
    )
    budget_change = MoneyField(
        _l("预算调整金额（元，调减填负数）"),
        validators=[Optional(), NumberRange(min=-(10**15), max=10**15, message=_l("金额超出范围"))],
    )
    progress_note = TextAreaField(
        _l("整改情况"), validators=[Optional(), Length(max=2000, message=_l("不超过 2000 个字符"))]
    )


class ShareForm(FlaskForm):
    auditor_id = SelectField(_l("审计部门用户"), coerce=int, validate_choice=True)
    note = StringField(_l("说明"), validators=[Optional(), Length(max=200, message=_l("不超过 200 个字符"))])


def _band(label):
    return DecimalField(
        label,
        places=1,
        validators=[
            DataRequired(_l("请填写全部分数线")),
            NumberRange(min=0, max=100, message=_l("分数线应在 0 到 100 之间")),
        ],
    )


class GradeScaleForm(FlaskForm):
    """Lower bounds, inclusive: 优 ≥ excellent, 良 ≥ good, 中 ≥ fair, otherwise 差."""

    excellent = _band(_l("“优”不低于"))
    good = _band(_l("“良”不低于"))
    fair = _band(_l("“中”不低于"))
