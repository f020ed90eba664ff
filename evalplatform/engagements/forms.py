from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..audit.describe import VALUES
from ..fields import ChineseIntegerField, CoordinateField, MoneyField
from .models import EngagementStatus, TeamRole

KIND_LABELS = {"project": _l("项目支出"), "department": _l("部门整体支出")}
# In the words the audit page uses for the same stored codes (audit.describe.VALUES).
STATUS_LABELS = {status.value: VALUES[status.value] for status in EngagementStatus}
TEAM_ROLE_LABELS = {role.value: VALUES[role.value] for role in TeamRole}
CATEGORIES = ["民生", "教育", "卫生健康", "农业农村", "生态环保", "基础设施", "产业发展", "社会保障", "其他"]


class EngagementForm(FlaskForm):
    title = StringField(
        _l("项目名称"),
        validators=[DataRequired(_l("请填写项目名称")), Length(max=200, message=_l("不超过 200 个字符"))],
    )
    evaluated_unit_name = StringField(
        _l("被评价单位"),
        validators=[DataRequired(_l("请填写被评价单位")), Length(max=200, message=_l("不超过 200 个字符"))],
    )
    kind = SelectField(_l("评价类型"), choices=list(KIND_LABELS.items()))
    # Creation only: the firm's accepted commissions (委托) not used yet. It never lists bureaus.
    commission_id = SelectField(_l("委托"), coerce=int, validate_choice=True)
    fiscal_year = ChineseIntegerField(
        _l("预算年度"),
        validators=[
            InputRequired(_l("请填写预算年度")),
            NumberRange(min=2000, max=2100, message=_l("预算年度应在 2000 至 2100 之间")),
        ],
    )
    budget_amount = MoneyField(
        _l("预算金额（元）"),
        validators=[
            InputRequired(_l("请填写预算金额")),
            NumberRange(min=0, max=10**15, message=_l("预算金额不能为负数")),
        ],
    )
    funds_in_place = MoneyField(
        _l("实际到位资金（元）"), validators=[Optional(), NumberRange(min=0, max=10**15, message=_l("金额不能为负数"))]
    )
    funds_spent = MoneyField(
        _l("实际支出资金（元）"), validators=[Optional(), NumberRange(min=0, max=10**15, message=_l("金额不能为负数"))]
    )
    funding_source = StringField(
        _l("资金来源"), validators=[Optional(), Length(max=200, message=_l("不超过 200 个字符"))]
    )
    category = SelectField(_l("项目类别"), choices=[("", "—")] + [(c, c) for c in CATEGORIES], validators=[Optional()])
    period_start = DateField(_l("评价期间起"), validators=[Optional()])
    period_end = DateField(_l("评价期间止"), validators=[Optional()])
    description = TextAreaField(
        _l("项目概况"), validators=[Optional(), Length(max=5000, message=_l("不超过 5000 个字符"))]
    )

    def validate_period_end(self, field):
        if field.data and self.period_start.data and field.data < self.period_start.data:
            raise ValidationError(_l("结束日期不能早于开始日期"))


class StatusForm(FlaskForm):
    status = SelectField(_l("新状态"), choices=list(STATUS_LABELS.items()))
    reason = StringField(_l("说明"), validators=[Optional(), Length(max=500)])

    def validate_status(self, field):
        if field.data not in EngagementStatus.__members__:
            raise ValidationError(_l("无效的状态"))


class TeamMemberForm(FlaskForm):
    user_id = SelectField(_l("人员"), coerce=int, validate_choice=True)
    team_role = SelectField(_l("项目角色"), choices=[(r.value, TEAM_ROLE_LABELS[r.value]) for r in TeamRole])


class SiteForm(FlaskForm):
    name = StringField(_l("勘查点名称"), validators=[DataRequired(_l("请填写勘查点名称")), Length(max=200)])
    address = StringField(_l("地址"), validators=[Optional(), Length(max=300)])
    latitude = CoordinateField(
        _l("纬度"), validators=[Optional(), NumberRange(min=-90, max=90, message=_l("纬度应在 -90 至 90 之间"))]
    )
    longitude = CoordinateField(
        _l("经度"), validators=[Optional(), NumberRange(min=-180, max=180, message=_l("经度应在 -180 至 180 之间"))]
    )


class DeleteForm(FlaskForm):
    """CSRF-only form for POST buttons."""


COMMISSION_STATUS_LABELS = {
    "requested": _l("待财政局确认"),
    "accepted": _l("已委托"),
    "declined": _l("已拒绝"),
    "withdrawn": _l("已撤回"),
}


class CommissionForm(FlaskForm):
    """A bureau engages a firm, or a firm asks a bureau: the other side named exactly or by invitation code."""

    counterpart = StringField(
        _l("对方名称或邀请码"),
        validators=[DataRequired(_l("请填写对方的完整名称或邀请码")), Length(max=200, message=_l("不超过 200 个字符"))],
    )
    project_name = StringField(
        _l("项目名称"),
        validators=[DataRequired(_l("请填写项目名称")), Length(max=200, message=_l("不超过 200 个字符"))],
    )
    fiscal_year = ChineseIntegerField(
        _l("预算年度"),
        validators=[
            InputRequired(_l("请填写预算年度")),
            NumberRange(min=2000, max=2100, message=_l("预算年度应在 2000 至 2100 之间")),
        ],
    )


class CommissionDecisionForm(FlaskForm):
    reason = StringField(_l("原因"), validators=[Optional(), Length(max=500, message=_l("不超过 500 个字符"))])
    counterpart = StringField(_l("改派给（事务所名称或邀请码）"), validators=[Optional(), Length(max=200)])
