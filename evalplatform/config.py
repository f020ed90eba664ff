"""Settings from the environment, with embedded defaults under instance/."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .formatting import DEFAULT_TIMEZONE
from .integrity import load_key

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _instance_dir() -> Path:
    return Path(os.environ.get("EVALPLATFORM_INSTANCE", PROJECT_ROOT / "instance"))


def _secret_key(instance: Path) -> str:
    """A stable key per installation: read from the env, else generated once into instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance / "secret_key"
    if not key_file.exists():
        instance.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def from_env(**overrides) -> dict:
    """Build the Flask config mapping; explicit overrides win (tests, CLI)."""
    instance = _instance_dir()
    config = {
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'evalplatform.db'}"),
        "STORAGE_DIR": os.environ.get("STORAGE_DIR", str(instance / "evidence")),
        "DATABASE_PRE_PING": os.environ.get("DATABASE_PRE_PING", "0") == "1",
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "JOB_QUEUE": os.environ.get("EVALPLATFORM_JOB_QUEUE") or "evalplatform",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "0") == "1",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 100 * 1024 * 1024)),
        "EVIDENCE_MAX_FILE_BYTES": int(os.environ.get("EVIDENCE_MAX_FILE_BYTES", 50 * 1024 * 1024)),
        "WTF_CSRF_TIME_LIMIT": None,  # field sessions last all day; the token is tied to the session
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        # The bureau's time zone: issued dates, "today" and every time shown (stored times are UTC).
        "EVALPLATFORM_TIMEZONE": os.environ.get("EVALPLATFORM_TIMEZONE") or DEFAULT_TIMEZONE,
        "LOGIN_MAX_FAILURES_PER_ACCOUNT_IP": int(os.environ.get("LOGIN_MAX_FAILURES_PER_ACCOUNT_IP", 5)),
        "LOGIN_MAX_FAILURES_PER_IP": int(os.environ.get("LOGIN_MAX_FAILURES_PER_IP", 100)),
        "LOGIN_FAILURE_WINDOW_MINUTES": int(os.environ.get("LOGIN_FAILURE_WINDOW_MINUTES", 15)),
        # Server-side login sessions: ended after this long without use, and this long after login at most.
        "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES", 30)),
        "SESSION_MAX_HOURS": int(os.environ.get("SESSION_MAX_HOURS", 12)),
        "PAGE_SIZE": 20,
    }
    config.update(overrides)
    config.setdefault("BABEL_DEFAULT_TIMEZONE", config["EVALPLATFORM_TIMEZONE"])
    if "SECRET_KEY" not in config:
        config["SECRET_KEY"] = _secret_key(instance)
    # The audit chain's HMAC key: never in the database, never in a backup unless asked (docs/security.md).
    config["AUDIT_KEY"] = load_key(instance, config.get("AUDIT_KEY"))
    return config
