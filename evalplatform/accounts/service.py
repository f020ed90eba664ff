"""Accounts: creating users, checking passwords with throttling, login sessions."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit
from .models import Bureau, Firm, LoginAttempt, LoginSession, Role, User
from .passwords import password_problem

# Compared against when the username is unknown, so timing does not reveal which accounts exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password")
# A session's last use is written at most this often: idle expiry is exact to within it, and a busy page
# costs no write per request.
TOUCH_EVERY = timedelta(seconds=60)


class AccountError(Exception):
    pass


class LoginThrottled(Exception):
    def __init__(self, minutes: int):
        super().__init__(minutes)
        self.minutes = minutes


def hash_password(password: str) -> str:
    return generate_password_hash(password)  # werkzeug's scrypt (n=2**15, r=8, p=1)


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role | str,
    display_name: str | None = None,
    firm: Firm | None = None,
    bureau: Bureau | None = None,
    actor: User | None = None,
) -> User:
    role = Role(role)
    username = username.strip()
    if not username or len(username) > 60:
        raise AccountError("用户名不能为空，且不超过 60 个字符")
    problem = password_problem(password, username)
    if problem:
        raise AccountError(problem)
    if role.is_firm_role and firm is None:
        raise AccountError("事务所用户必须属于一个事务所")
    if role.is_bureau_side and bureau is None:
        raise AccountError("财政局用户必须属于一个财政局")
    if session.scalar(select(User.id).where(User.username == username)):
        raise AccountError(f"用户名 {username} 已存在")
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        password_hash=hash_password(password),
        firm=firm if role.is_firm_role else None,
        bureau=bureau if role.is_bureau_side else None,
    )
    session.add(user)
    session.flush()
    audit.record(
        session, actor=actor, action="user.create", obj=user, details={"username": username, "role": role.value}
    )
    return user


def authenticate(session: Session, username: str, password: str, ip: str, now: datetime, limits: dict) -> User | None:
    """The user if the password is right and the account enabled; None otherwise.
    Raises LoginThrottled when this (username, IP) or this IP has failed too often lately."""
    window = timedelta(minutes=limits["LOGIN_FAILURE_WINDOW_MINUTES"])
    since = now - window
    _check_throttle(session, username, ip, since, limits, window)
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
    elif check_password_hash(user.password_hash, password) and user.is_enabled:
        session.execute(delete(LoginAttempt).where(LoginAttempt.username == username, LoginAttempt.ip == ip))
        return user
    session.add(LoginAttempt(username=username[:60], ip=ip, attempted_at=now))
    session.flush()
    return None


def _check_throttle(session, username, ip, since, limits, window) -> None:
    failures = select(func.count(LoginAttempt.id)).where(LoginAttempt.attempted_at >= since)
    # Per account and IP: one guessed account locks only itself, and only from that address,
    # so a whole office behind one NAT is not shut out by one person's typos.
    pair = session.scalar(failures.where(LoginAttempt.username == username, LoginAttempt.ip == ip))
    per_ip = session.scalar(failures.where(LoginAttempt.ip == ip))
    if pair >= limits["LOGIN_MAX_FAILURES_PER_ACCOUNT_IP"] or per_ip >= limits["LOGIN_MAX_FAILURES_PER_IP"]:
        raise LoginThrottled(int(window.total_seconds() // 60))


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_login_session(session: Session, user: User, ip: str | None, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    session.add(
        LoginSession(token_sha256=_token_digest(token), user_id=user.id, ip=ip, created_at=now, last_seen_at=now)
    )
    audit.record(session, actor=user, action="user.login", obj=user, ip=ip, now=now)
    user.login_token = token
    return token


@dataclass
class SessionCheck:
    """What the one per-request check found: the user, or why the session ended; and whether its last use
    should be written down (see TOUCH_EVERY)."""

    user: User | None
    login_id: int | None = None
    ended: str | None = None  # "idle" or "expired" when it ran out just now
    touch: bool = False


def check_login_session(
    session: Session, token: str, now: datetime, *, idle: timedelta, lifetime: timedelta
) -> SessionCheck:
    """The signed-in user for this cookie's token, if its session is neither revoked nor run out; one query."""
    row = session.execute(
        select(LoginSession, User)
        .join(User, LoginSession.user_id == User.id)
        .where(LoginSession.token_sha256 == _token_digest(token), LoginSession.revoked_at.is_(None))
    ).first()
    if row is None or not row.User.is_enabled:
        return SessionCheck(None)
    login = row.LoginSession
    last_use = login.last_seen_at or login.created_at
    if now - login.created_at > lifetime:
        return SessionCheck(None, login.id, "expired")
    if now - last_use > idle:
        return SessionCheck(None, login.id, "idle")
    row.User.login_token = token
    return SessionCheck(row.User, login.id, touch=now - last_use >= TOUCH_EVERY)


def record_session_use(connection: Connection, check: SessionCheck, now: datetime) -> None:
    """Write a session's last use, or end one that ran out (on its own connection: GET pages commit nothing)."""
    query = update(LoginSession).where(LoginSession.id == check.login_id, LoginSession.revoked_at.is_(None))
    if check.ended:
        connection.execute(query.values(revoked_at=now, ended_reason=check.ended))
    elif check.touch:
        connection.execute(query.values(last_seen_at=now))


def end_login_session(session: Session, token: str, now: datetime) -> None:
    login = session.scalar(select(LoginSession).where(LoginSession.token_sha256 == _token_digest(token)))
    if login and login.revoked_at is None:
        login.revoked_at, login.ended_reason = now, "logout"
        audit.record(session, actor=login.user, action="user.logout", obj=login.user, now=now)


def _revoke_all(session: Session, user: User, now: datetime, reason: str) -> None:
    session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=now, ended_reason=reason)
    )


def change_password(session: Session, user: User, current: str, new: str, now: datetime, ip: str | None = None) -> None:
    """Check the current password and the policy, store the new one and end every session of the account
    (on every device); the caller starts a fresh one for the browser that made the change."""
    if not check_password_hash(user.password_hash, current):
        raise AccountError("当前密码不正确")
    problem = password_problem(new, user.username)
    if problem:
        raise AccountError(problem)
    if check_password_hash(user.password_hash, new):
        raise AccountError("新密码不能与当前密码相同")
    user.password_hash = hash_password(new)
    _revoke_all(session, user, now, "password")
    audit.record(session, actor=user, action="user.password", obj=user, ip=ip, now=now)


def set_enabled(session: Session, user: User, enabled: bool, actor: User | None, now: datetime) -> None:
    """Disabling an account also revokes all its login sessions, at once."""
    user.is_enabled = enabled
    if not enabled:
        _revoke_all(session, user, now, "disabled")
    audit.record(session, actor=actor, action="user.enable" if enabled else "user.disable", obj=user, now=now)


def get_or_create_firm(session: Session, name: str) -> Firm:
    firm = session.scalar(select(Firm).where(Firm.name == name))
    if firm is None:
        firm = Firm(name=name)
        session.add(firm)
        session.flush()
    return firm


def get_or_create_bureau(session: Session, name: str, region: str | None = None) -> Bureau:
    bureau = session.scalar(select(Bureau).where(Bureau.name == name))
    if bureau is None:
        bureau = Bureau(name=name, region=region)
        session.add(bureau)
        session.flush()
    return bureau
