from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional


class MaterialUploadForm(FlaskForm):
    kind = SelectField(_l("材料类型"), choices=[("self_assessment", _l("绩效自评表")), ("ledger", _l("资金台账")),
                                                ("declared_list", _l("申报清单（产出/受益对象）"))])
    file = FileField(_l("Excel 或 CSV 文件（.xlsx、.csv）"))
    name = StringField(_l("清单名称（申报清单必填）"), validators=[Optional(), Length(max=200)])
    key_column = StringField(_l("关键列（申报清单必填，如 身份证号）"), validators=[Optional(), Length(max=100)])
    mapping = TextAreaField(_l("表头对应（可选，每行一项：标准表头=文件中的表头）"),
                            validators=[Optional(), Length(max=2000)])
