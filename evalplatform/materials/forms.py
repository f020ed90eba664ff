from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional


class MaterialUploadForm(FlaskForm):
    kind = SelectField(
        _l("材料类型"),
        choices=[
            ("target_sheet", _l("绩效目标表")),
            ("self_assessment", _l("绩效自评表")),
            ("ledger", _l("资金台账")),
            ("declared_list", _l("申报清单（产出/受益对象）")),
        ],
    )
    file = FileField(_l("Excel 或 CSV 文件（.xlsx、.xls、.csv）"))
    name = StringField(_l("清单名称（申报清单必填）"), validators=[Optional(), Length(max=200)])
    key_column = StringField(_l("关键列（申报清单必填，如 身份证号）"), validators=[Optional(), Length(max=100)])
    layout_id = SelectField(_l("表样"), coerce=int, choices=[(0, _l("自动识别"))], validate_choice=False)


class ActionForm(FlaskForm):
    """CSRF only: the mapping and review pages post their many cell fields outside WTForms."""
