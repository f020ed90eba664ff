from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

QUESTION_TYPE_LABELS = [
    ("single_choice", _l("单选")),
    ("multiple_choice", _l("多选")),
    ("satisfaction", _l("满意度（5级+不了解）")),
    ("rating", _l("评分")),
    ("matrix", _l("矩阵满意度")),
    ("text", _l("文本")),
    ("integer", _l("整数")),
    ("decimal", _l("小数")),
    ("date", _l("日期")),
    ("site", _l("地点选择")),
    ("note", _l("说明文字")),
]

KIND_LABELS = {"questionnaire": _l("问卷"), "checklist": _l("勘查表")}


class NewInstrumentForm(FlaskForm):
    mode = SelectField(
        _l("创建方式"),
        choices=[("scratch", _l("空白问卷")), ("template", _l("从模板")), ("xlsform", _l("导入 XLSForm"))],
    )
    title = StringField(_l("问卷标题"), validators=[Optional(), Length(max=300)])
    template = SelectField(_l("模板"), validators=[Optional()])
    file = FileField(_l("XLSForm 文件（.xlsx、.xls 或 .ods）"))


class QuestionForm(FlaskForm):
    section = StringField(_l("所在部分"), validators=[Optional(), Length(max=200)])
    code = StringField(_l("题目编码"), validators=[DataRequired(_l("请填写题目编码")), Length(max=64)])
    type = SelectField(_l("题型"), choices=QUESTION_TYPE_LABELS)
    label = TextAreaField(_l("题目文字"), validators=[DataRequired(_l("请填写题目文字")), Length(max=2000)])
    choices = TextAreaField(_l("选项（每行一个：编码=文字；矩阵题为子项）"), validators=[Optional(), Length(max=20000)])
    required = BooleanField(_l("必答"))
    randomize = BooleanField(_l("随机排列选项"))
    attention_expected = StringField(_l("注意力检测题：正确选项编码"), validators=[Optional(), Length(max=64)])
    relevant = StringField(_l("显示条件"), validators=[Optional(), Length(max=1000)])
    constraint = StringField(_l("约束条件"), validators=[Optional(), Length(max=1000)])


class DefinitionForm(FlaskForm):
    definition = TextAreaField(_l("问卷定义（JSON）"), validators=[DataRequired(), Length(max=2_000_000)])


class MoveForm(FlaskForm):
    direction = SelectField(choices=[("up", "up"), ("down", "down"), ("delete", "delete")])


class LanguageForm(FlaskForm):
    language = StringField(
        _l("新增语言（如 English (en)）"), validators=[DataRequired(_l("请填写语言名称")), Length(max=60)]
    )


class TranslationsForm(FlaskForm):
    """CSRF and the version the texts were read from; the texts themselves are fields t-0, t-1, …"""

    version = StringField(validators=[DataRequired()])
