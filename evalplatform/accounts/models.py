"""Firms, bureaus, user accounts, login sessions and login attempts."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, Enum, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utcnow


class Role(str, enum.Enum):
    admin = "admin"
    evaluator = "evaluator"
    reviewer = "reviewer"
    bureau = "bureau"
    auditor = "auditor"  # 审计部门: read-only, attached to a bureau, sees what the bureau shares with it

    @property
    def is_firm_role(self) -> bool:
        return self in (Role.admin, Role.evaluator, Role.reviewer)

    @property
    def is_bureau_side(self) -> bool:
        return self in (Role.bureau, Role.auditor)

    @property
    def home_endpoint(self) -> str:
        return "bureau.dashboard" if self.is_bureau_side else "engagements.list_engagements"


# No 0/O, 1/I/L: the code is read over the phone and typed by hand.
INVITATION_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_invitation_code() -> str:
    """邀请码 such as "K7QM-3XWP": how a bureau names a firm to commission (or a firm a bureau to ask)
    without anyone browsing a list of the others."""
    raw = "".join(secrets.choice(INVITATION_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


class Firm(Base):
    """会计师事务所 / 第三方机构."""

    __tablename__ = "firm"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    invitation_code: Mapped[str] = mapped_column(String(9), unique=True, default=new_invitation_code)
    # Whether the partner (复核合伙人) may submit or issue a report the readiness checklist still finds
    # incomplete, giving a reason that is recorded; off unless the firm decides otherwise.
    allows_readiness_override: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Bureau(Base):
    """财政局: commissions engagements and receives reports."""

    __tablename__ = "bureau"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    region: Mapped[str | None] = mapped_column(String(100))
    invitation_code: Mapped[str] = mapped_column(String(9), unique=True, default=new_invitation_code)


class User(UserMixin, Base):
    __tablename__ = "user_account"
    __table_args__ = (
        # A firm role belongs to a firm; a bureau user belongs to a bureau, never both.
        CheckConstraint(
            "(role IN ('bureau', 'auditor') AND bureau_id IS NOT NULL AND firm_id IS NULL) OR "
            "(role NOT IN ('bureau', 'auditor') AND firm_id IS NOT NULL AND bureau_id IS NULL)",
            name="belongs_to_firm_or_bureau",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20))
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firm.id"), index=True)
    bureau_id: Mapped[int | None] = mapped_column(ForeignKey("bureau.id"), index=True)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    firm: Mapped[Firm | None] = relationship()
    bureau: Mapped[Bureau | None] = relationship()

    # Set by the user loader: the login session this request runs under (Flask-Login's get_id).
    login_token = None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses disabled accounts
        return self.is_enabled

    def get_id(self) -> str | None:
        return self.login_token


class LoginSession(Base):
    """One row per login, checked on every signed-in request: it ends after SESSION_IDLE_MINUTES without use
    or SESSION_MAX_HOURS after login, and logout, a password change or disabling the account revoke it, so
    a copied cookie dies too."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # logout, password, disabled, idle, expired
    ended_reason: Mapped[str | None] = mapped_column(String(20))
    ip: Mapped[str | None] = mapped_column(String(45))

    user: Mapped[User] = relationship()


class LoginAttempt(Base):
    """Failed logins, counted per (username, IP) and per IP to throttle guessing."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), index=True)
    ip: Mapped[str] = mapped_column(String(45), index=True)
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
