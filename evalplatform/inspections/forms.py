from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import DataRequired


class AddChecklistForm(FlaskForm):
    template = SelectField(_l("勘查表模板"), validators=[DataRequired(_l("请选择勘查表模板"))])
