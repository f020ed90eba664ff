"""Forms and the Chinese labels of the indicator pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DecimalField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

OPERATOR_LABELS = {"ge": "≥", "le": "≤", "eq": "=", "qualitative": _l("定性")}
METHOD_LABELS = {
    "ratio_higher_better": _l("比率（越高越好）"),
    "ratio_lower_better": _l("比率（越低越好）"),
    "equal": _l("等于目标"),
    "formula": _l("公式"),
    "qualitative_bands": _l("定性分档"),
    "elements": _l("要素法"),
    "deduction": _l("扣分法"),
    "survey": _l("满意度调查"),
    "manual": _l("直接评分"),
}
STANDARD_LABELS = {
    "plan": _l("计划标准"),
    "industry": _l("行业标准"),
    "history": _l("历史标准"),
    "other": _l("其他标准"),
}
BAND_LABELS = {
    "achieved": _l("达成（80%–100%）"),
    "partly": _l("部分达成（60%–80%）"),
    "not_achieved": _l("未达成（0–60%）"),
}
FORMULA_LABELS = {
    "funds_in_place_rate": _l("资金到位率"),
    "budget_execution_rate": _l("预算执行率（实际支出/实际到位）"),
    "budget_execution_rate_annual": _l("预算执行率（全年执行数/全年预算数）"),
    "completion_rate": _l("实际完成率"),
    "quality_rate": _l("质量达标率"),
    "cost_saving_rate": _l("成本节约率"),
}
INPUT_LABELS = {
    "funds_in_place": _l("实际到位资金"),
    "budget": _l("预算资金"),
    "actual_spent": _l("实际支出资金"),
    "annual_executed": _l("全年执行数"),
    "annual_budget": _l("全年预算数"),
    "actual_output": _l("实际产出数"),
    "planned_output": _l("计划产出数"),
    "qualified_output": _l("质量达标产出数"),
    "planned_cost": _l("计划成本"),
    "actual_cost": _l("实际成本"),
}
# Money inputs are entered in 元 (engine: rates of two amounts); the page says so beside each box.
INPUT_UNITS = {
    key: "元"
    for key in (
        "funds_in_place",
        "budget",
        "actual_spent",
        "annual_executed",
        "annual_budget",
        "planned_cost",
        "actual_cost",
    )
}
GRADE_LABELS = {"excellent": _l("优"), "good": _l("良"), "fair": _l("中"), "poor": _l("差")}


class CreateTreeForm(FlaskForm):
    framework_code = SelectField(_l("指标体系模板"), validators=[DataRequired()])


class AddIndicatorForm(FlaskForm):
    parent_id = HiddenField()
    name = StringField(_l("指标名称"), validators=[DataRequired(_l("请填写指标名称")), Length(max=200)])
    points = DecimalField(_l("分值"), places=2, validators=[Optional()])


class BalanceOverrideForm(FlaskForm):
    reason = TextAreaField(_l("理由"), validators=[DataRequired(_l("请写明理由")), Length(max=2000)])


class ImportTargetsForm(FlaskForm):
    file = FileField(_l("绩效目标表（XLSX）"))
