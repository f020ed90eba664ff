"""Login, logout and the firm admin's user list."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..db import db
from ..web import client_ip, get_or_404, now_utc, transaction
from . import service
from .forms import ROLE_LABELS, LoginForm, PasswordChangeForm, ToggleUserForm, UserForm
from .models import Role, User

bp = Blueprint("accounts", __name__, template_folder="templates")


def _safe_next(target: str | None, user) -> str:
    """Only same-site paths: never an open redirect via ?next=."""
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
            and "\\" not in target
        ):
            return target
    return url_for(user.role.home_endpoint)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for(current_user.role.home_endpoint))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            with transaction():  # a failed attempt is kept as well: throttling counts it
                user = service.authenticate(
                    db.session,
                    form.username.data.strip(),
                    form.password.data,
                    client_ip(),
                    now_utc(),
                    current_app.config,
                )
                if user is not None:
                    service.start_login_session(db.session, user, client_ip(), now_utc())
        except service.LoginThrottled as throttled:
            flash(_("登录失败次数过多，请 %(minutes)s 分钟后再试。", minutes=throttled.minutes), "error")
            return render_template("accounts/login.html", form=form), 429
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next"), user))
        flash(_("用户名或密码错误。"), "error")
        status = 401
    elif request.method == "POST":
        status = 422
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    with transaction():
        service.end_login_session(db.session, current_user.login_token, now_utc())
    logout_user()
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """修改密码: every session of the account ends (other devices too); this browser gets a fresh one."""
    form = PasswordChangeForm()
    status = 200
    if form.validate_on_submit():
        user, now = current_user._get_current_object(), now_utc()
        try:
            with transaction():
                service.change_password(db.session, user, form.current.data, form.new.data, now, client_ip())
                service.start_login_session(db.session, user, client_ip(), now)
        except service.AccountError as error:
            form.new.errors = [str(error)]
            status = 422
        else:
            login_user(user)
            flash(_("密码已修改，其他设备上的登录已全部失效。"), "success")
            return redirect(url_for(user.role.home_endpoint))
    elif request.method == "POST":
        status = 422
    return render_template("accounts/password.html", form=form), status


def _require_admin():
    if current_user.role is not Role.admin:
        abort(403)


@bp.route("/users", methods=["GET", "POST"])
@login_required
def users():
    _require_admin()
    form = UserForm()
    status = 200
    if form.validate_on_submit():
        try:
            with transaction():
                service.create_user(
                    db.session,
                    username=form.username.data,
                    password=form.password.data,
                    role=form.role.data,
                    display_name=form.display_name.data,
                    firm=current_user.firm,
                    actor=current_user,
                )
        except service.AccountError as error:
            form.username.errors.append(str(error))
            status = 422
        else:
            flash(_("用户已创建。"), "success")
            return redirect(url_for(".users"))
    elif request.method == "POST":
        status = 422
    members = db.session.scalars(select(User).where(User.firm_id == current_user.firm_id).order_by(User.username)).all()
    return render_template(
        "accounts/users.html", form=form, users=members, roles=ROLE_LABELS, toggle_form=ToggleUserForm()
    ), status


@bp.post("/users/<int:user_id>/toggle")
@login_required
def toggle_user(user_id: int):
    # Only the firm admin manages its own firm's accounts (policy.may_see); one's own account is not toggled here.
    user = get_or_404(User, user_id, allowed=lambda user: user.id != current_user.id)
    if not ToggleUserForm().validate_on_submit():
        abort(400)
    with transaction():
        service.set_enabled(db.session, user, not user.is_enabled, current_user, now_utc())
    return redirect(url_for(".users"))
