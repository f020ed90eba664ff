from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class ActionForm(FlaskForm):
    """A button that changes state: only the CSRF token."""


class VerifyForm(FlaskForm):
    subject = StringField(_l("核实事项"), validators=[DataRequired(_l("请填写核实事项")), Length(max=200)])
    indicator_ref = SelectField(_l("自评表指标（申报数取其实际完成值）"), validators=[Optional()])
    declared = DecimalField(_l("申报数（不选指标时填写）"), validators=[Optional()])
    declared_source = StringField(_l("申报数来源"), validators=[Optional(), Length(max=300)])
    verified = DecimalField(_l("核实数"), validators=[DataRequired(_l("请填写核实数"))])
    unit = StringField(_l("单位"), validators=[Optional(), Length(max=20)])
    tolerance_abs = DecimalField(_l("允许误差（绝对值）"), validators=[Optional(), NumberRange(min=0)])
    tolerance_rel = DecimalField(_l("允许误差（%）"), validators=[Optional(), NumberRange(min=0, max=100)])
    evidence_id = SelectField(_l("证据"), coerce=int, validators=[DataRequired(_l("核实数必须附有证据"))])
    note = StringField(_l("说明"), validators=[Optional(), Length(max=1000)])


class FindingForm(FlaskForm):
    title = StringField(_l("问题"), validators=[DataRequired(_l("请填写问题标题")), Length(max=200)])
    description = TextAreaField(_l("问题描述"), validators=[DataRequired(_l("请填写问题描述")), Length(max=5000)])
    severity = SelectField(
        _l("严重程度"), choices=[("high", _l("重大")), ("medium", _l("一般")), ("low", _l("轻微"))], default="medium"
    )
    indicator_refs = StringField(_l("相关指标（以逗号分隔）"), validators=[Optional(), Length(max=500)])
    cause = TextAreaField(_l("原因分析"), validators=[Optional(), Length(max=5000)])
    recommendation = TextAreaField(
        _l("整改建议"), validators=[DataRequired(_l("请填写整改建议：每个问题都要有对应的建议")), Length(max=5000)]
    )
    unit_response = TextAreaField(_l("被评价单位反馈"), validators=[Optional(), Length(max=5000)])
    suggested_deduction = DecimalField(_l("建议扣分"), validators=[Optional(), NumberRange(min=0)])
    evidence_ids = SelectMultipleField(_l("证据"), coerce=int, validators=[Optional()])


class SampleForm(FlaskForm):
    import_id = SelectField(_l("申报清单"), coerce=int, validators=[DataRequired(_l("请先导入申报清单"))])
    confidence = SelectField(
        _l("置信水平"), choices=[("0.90", "90%"), ("0.95", "95%"), ("0.99", "99%")], default="0.95"
    )
    tolerable_error = DecimalField(
        _l("可容忍误差（%）"), default=5, validators=[DataRequired(), NumberRange(min=0.1, max=50)]
    )
    expected_rate = DecimalField(
        _l("预期差错率（%）"), default=50, validators=[DataRequired(), NumberRange(min=0.1, max=99.9)]
    )
    size = IntegerField(_l("样本量（留空按上面计算）"), validators=[Optional(), NumberRange(min=1)])
    seed = IntegerField(_l("随机种子（留空自动生成）"), validators=[Optional(), NumberRange(min=0, max=2**62)])
    stratum_column = StringField(_l("分层列（可选，如 乡镇）"), validators=[Optional(), Length(max=100)])


class ResultForm(FlaskForm):
    result = SelectField(
        _l("核查结果"),
        choices=[("verified", _l("核实无误")), ("not_found", _l("未找到")), ("differs", _l("与申报不符"))],
    )
    note = StringField(_l("情况说明"), validators=[Optional(), Length(max=1000)])
    evidence_id = SelectField(_l("证据"), coerce=int, validators=[Optional()])
