"""What the phone sends, checked: refusals with a message per field, and the parsers that collect them.

Each parser takes the raw value and an `errors` dict; a bad value adds a Chinese message under its field and
returns None, so one request reports every problem at once.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

NOTE_MAX = 2000
NAME_MAX = 100


class InspectionError(ValueError):
    """Refused input; `errors` maps a field or item code to a Chinese message."""

    def __init__(self, errors: dict[str, str] | str):
        errors = {"": errors} if isinstance(errors, str) else errors
        super().__init__("；".join(errors.values()))
        self.errors = errors


class InspectionConflict(InspectionError):
    """The UUID is already used for other content, or the inspection no longer takes changes (409)."""


def plain(value: Decimal | None) -> str | None:
    """A decimal as plain text without trailing zeros: 3.2000 → "3.2", 1E+2 → "100"."""
    if value is None:
        return None
    shown = format(value, "f")
    return shown.rstrip("0").rstrip(".") if "." in shown else shown


def parse_uuid(value, field: str = "client_uuid") -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise InspectionError({field: "缺少或无效的客户端编号（UUID）"}) from None


def moment(value, field: str, label: str, now: datetime, errors: dict, required: bool = True) -> datetime | None:
    if value in (None, ""):
        if required:
            errors[field] = f"缺少{label}"
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        errors[field] = f"{label}格式不正确"
        return None
    if parsed.tzinfo is None:
        errors[field] = f"{label}缺少时区"
        return None
    parsed = parsed.astimezone(timezone.utc)
    if parsed.year < 2000 or parsed > now + timedelta(days=1):
        errors[field] = f"{label}不合理：{value}"
        return None
    return parsed


def number(value, field: str, label: str, errors: dict, low, high, places: int) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        errors[field] = f"{label}必须是数字"
        return None
    try:
        parsed = Decimal(str(value).strip())
    except InvalidOperation:
        errors[field] = f"{label}必须是数字"
        return None
    if not parsed.is_finite() or not (low <= parsed <= high):
        errors[field] = f"{label}应在 {low} 到 {high} 之间"
        return None
    return parsed.quantize(Decimal(1).scaleb(-places)) if parsed.as_tuple().exponent < -places else parsed


def text(value, field: str, label: str, errors: dict, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        errors[field] = f"{label}格式不正确"
        return None
    stripped = value.strip()
    if len(stripped) > limit:
        errors[field] = f"{label}过长（最多 {limit} 字）"
        return None
    return stripped or None
