from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..fields import MoneyField

KIND_LABELS = {"budget_adjustment": _l("预算调整"), "rectification": _l("整改要求"), "policy": _l("完善政策制度"),
               "other": _l("其他")}
STATUS_LABELS = {"open": _l("待整改"), "in_progress": _l("整改中"), "done": _l("已完成")}


class ApplicationForm(FlaskForm):
    kind = SelectField(_l("应用方式"), choices=list(KIND_LABELS.items()))
    requirement = TextAreaField(_l("内容与要求"), validators=[
        DataRequired(_l("请填写结果应用内容")), Length(max=2000, message=_l("不超过 2000 个字符"))])
    due_date = DateField(_l("整改期限"), validators=[Optional()])
    budget_change = MoneyField(_l("预算调整金额（元，调减填负数）"), validators=[
        Optional(), NumberRange(min=-10**15, max=10**15, message=_l("金额超出范围"))])


class ProgressForm(FlaskForm):
    status = SelectField(_l("整改状态"), choices=list(STATUS_LABELS.items()))
    progress_note = TextAreaField(_l("整改情况"), validators=[Optional(), Length(max=2000, message=_l("不超过 2000 个字符"))])


class ShareForm(FlaskForm):
    auditor_id = SelectField(_l("审计部门用户"), coerce=int, validate_choice=True)
    note = StringField(_l("说明"), validators=[Optional(), Length(max=200, message=_l("不超过 200 个字符"))])
