from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional


class UploadForm(FlaskForm):
    files = MultipleFileField(_l("文件"))
    description = StringField(_l("说明"), validators=[Optional(), Length(max=1000, message=_l("不超过 1000 个字符"))])
    tags = StringField(
        _l("标签（以逗号分隔）"), validators=[Optional(), Length(max=300, message=_l("不超过 300 个字符"))]
    )
    site_id = SelectField(_l("勘查点"), coerce=int, validators=[Optional()])
    client_uuid = StringField(validators=[Optional(), Length(max=36)])


class DeleteEvidenceForm(FlaskForm):
    reason = StringField(_l("删除原因"), validators=[DataRequired(_l("删除证据必须说明原因")), Length(max=500)])
