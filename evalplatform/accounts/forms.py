from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from .models import Role


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(_l("请输入用户名")), Length(max=60)])
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请输入密码")), Length(max=200)])


# Every role as a page names it (the users list, the role choice).
ROLE_LABELS = {
    Role.evaluator.value: _l("评价人员"),
    Role.reviewer.value: _l("复核人"),
    Role.admin.value: _l("管理员"),
    Role.bureau.value: _l("财政局用户"),
    Role.auditor.value: _l("审计部门"),
}


class UserForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(_l("请输入用户名")), Length(max=60)])
    display_name = StringField(_l("姓名"), validators=[DataRequired(_l("请输入姓名")), Length(max=100)])
    role = SelectField(
        _l("角色"), choices=[(r.value, ROLE_LABELS[r.value]) for r in (Role.evaluator, Role.reviewer, Role.admin)]
    )
    password = PasswordField(
        _l("初始密码"),
        validators=[DataRequired(_l("请输入密码")), Length(max=200, message=_l("密码不超过 200 个字符"))],
    )


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请输入当前密码")), Length(max=200)])
    new = PasswordField(
        _l("新密码"),
        validators=[DataRequired(_l("请输入新密码")), Length(max=200, message=_l("密码不超过 200 个字符"))],
    )
    repeat = PasswordField(
        _l("再次输入新密码"),
        validators=[DataRequired(_l("请再次输入新密码")), EqualTo("new", message=_l("两次输入的新密码不一致"))],
    )


class ToggleUserForm(FlaskForm):
    enabled = BooleanField()
