"""Password policy: at least MIN_LENGTH characters and not a common password (a list shipped as data)."""

from __future__ import annotations

import functools
from pathlib import Path

MIN_LENGTH = 10
COMMON_PASSWORDS = Path(__file__).with_name("common-passwords.txt")
TOO_SHORT = f"密码至少需要 {MIN_LENGTH} 个字符"
TOO_COMMON = "该密码过于常见，很容易被猜中，请换一个（例如用几个词组成的较长密码）"


@functools.cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, username: str | None = None) -> str | None:
    """Why this password is refused (Chinese, for the form), or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    lowered = password.lower()
    if lowered in common_passwords() or (username and lowered.strip() == username.strip().lower()):
        return TOO_COMMON
    return None
