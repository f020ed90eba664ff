"""How numbers, scores, money, dates and times are written — the one place for pages, PDF and Excel.

A bureau reads the same figure on the page, in the PDF and in the Excel annex; if each wrote it its own
way (0 for "not scored", 85.50 here and 85.5 there, UTC dates) the documents would disagree. Every value
arrives as Decimal, int, float or None; None (and NaN) is written as a dash, never "None" or "nan".
Rounding is half-up, as a Chinese accountant rounds, not Python's banker's rounding.
"""

from __future__ import annotations

import math
import os
import re
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask import current_app

DEFAULT_TIMEZONE = "Asia/Shanghai"
MISSING = "—"
UNSCORED = "未评分"
SCORE_UNIT = "分"
TEN_THOUSAND = Decimal(10000)


# ---------------------------------------------------------------- numbers


def decimal(value) -> Decimal | None:
    """The value as a Decimal, or None for None / NaN / anything that is not a number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        value = repr(value)  # 0.1 stays 0.1, not 0.1000000000000000055…
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


def rounded(value, places: int) -> Decimal | None:
    number = decimal(value)
    return None if number is None else number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def number(value, places: int | None = None, *, grouping: bool = True, missing: str = MISSING) -> str:
    """A plain number: `places` decimals (half-up), or as entered without trailing zeros when None;
    never exponent form; thousands separated by commas."""
    figure = decimal(value) if places is None else rounded(value, places)
    if figure is None:
        return missing
    if places is None:
        figure = figure.normalize()
        if figure == figure.to_integral_value():
            figure = figure.quantize(Decimal(1))
    text = format(figure, ",f" if grouping else "f")
    return "0" + text[2:] if text.startswith("-0") and figure == 0 else text


def score(value, places: int | None = None) -> str:
    """An indicator's or a report's score: "8.5分"; "未评分" where there is none (never 0)."""
    return UNSCORED if decimal(value) is None else f"{number(value, places)}{SCORE_UNIT}"


def percent(value, places: int = 1, *, fraction: bool = False) -> str:
    """A percentage: value already in percent (85.5 → "85.5%"), or a share of one with fraction=True."""
    figure = decimal(value)
    if figure is None:
        return MISSING
    return f"{number(figure * 100 if fraction else figure, places)}%"


def percent_range(low, high, places: int = 1, *, fraction: bool = False) -> str:
    """An interval of percentages, "81.2%–88.9%"; a dash when either end is unknown."""
    if decimal(low) is None or decimal(high) is None:
        return MISSING
    return f"{percent(low, places, fraction=fraction)}–{percent(high, places, fraction=fraction)}"


def points_difference(value, places: int = 1, *, fraction: bool = False) -> str:
    """A difference of two percentages in 百分点, signed: "+2.5个百分点", "-3个百分点"."""
    figure = decimal(value)
    if figure is None:
        return MISSING
    points = rounded(figure * 100 if fraction else figure, places)
    return f"{'+' if points > 0 else ''}{number(points, places)}个百分点"


def money(value, unit: str = "元", places: int | None = None) -> str:
    """An amount held in 元, written in 元 (2 decimals) or 万元 (4 decimals unless asked), with separators."""
    figure = decimal(value)
    if figure is None:
        return MISSING
    if unit == "万元":
        return f"{number(figure / TEN_THOUSAND, 4 if places is None else places)}万元"
    if unit != "元":
        raise ValueError(f"unknown money unit {unit!r}")
    return f"{number(figure, 2 if places is None else places)}元"


def count(value, unit: str = "") -> str:
    """A count: an integer with separators and its unit ("1,200份"); a count is never "12.0"."""
    figure = rounded(value, 0)
    return MISSING if figure is None else f"{number(figure, 0)}{unit}"


def file_size(size) -> str:
    """Bytes as a reader thinks of them: KB below a megabyte, MB above."""
    figure = decimal(size)
    if figure is None:
        return MISSING
    if figure < 1024 * 1024:
        return f"{number(figure / 1024, 0)} KB"
    return f"{number(figure / 1024 / 1024, 1)} MB"


# ---------------------------------------------------------------- dates and times


def timezone_name() -> str:
    """The bureau's time zone: the app's EVALPLATFORM_TIMEZONE inside a request or CLI command, else the
    environment, else Asia/Shanghai (China has one time zone; the setting exists for tests and odd hosts)."""
    try:
        return current_app.config.get("EVALPLATFORM_TIMEZONE") or DEFAULT_TIMEZONE
    except RuntimeError:  # outside an application context (scripts, the job worker before push)
        return os.environ.get("EVALPLATFORM_TIMEZONE") or DEFAULT_TIMEZONE


def local_zone() -> ZoneInfo:
    return ZoneInfo(timezone_name())


def to_local(moment: datetime | None) -> datetime | None:
    """A UTC (or other aware) time in the bureau's zone; naive times are taken to be UTC, as stored."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(local_zone())


def local_now(now: datetime | None = None) -> datetime:
    """The bureau's wall clock (from `now` when the caller passes its clock, as services do)."""
    return to_local(now or datetime.now(timezone.utc))


def local_date(moment: datetime | date | None) -> date | None:
    """The calendar day in the bureau's zone: 23:30 UTC on 4 December is 5 December in Beijing."""
    if moment is None or (isinstance(moment, date) and not isinstance(moment, datetime)):
        return moment
    return to_local(moment).date()


def long_date(moment: datetime | date | None) -> str:
    """A date in Chinese long form, as on a signed document: "2026年12月5日"."""
    day = local_date(moment)
    return MISSING if day is None else f"{day.year}年{day.month}月{day.day}日"


def short_date(moment: datetime | date | None) -> str:
    """A date for tables: "2026-12-05", in the bureau's zone."""
    day = local_date(moment)
    return "" if day is None else day.isoformat()


def date_time(moment: datetime | None, seconds: bool = False) -> str:
    """A moment for tables: "2026-12-05 08:30" in the bureau's zone; empty when unknown."""
    local = to_local(moment)
    return "" if local is None else local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


# ---------------------------------------------------------------- file names

_UNSAFE_IN_FILENAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def filename_stem(text: str, max_chars: int = 80) -> str:
    """A title made safe as a file name on every system ("道路/桥梁：评价" → "道路-桥梁-评价"); the title itself
    stays as written in the document. Never empty."""
    stem = " ".join(_UNSAFE_IN_FILENAMES.sub("-", text or "").split()).strip(" .-")
    return stem[:max_chars].rstrip(" .-") or "报告"


FILTERS = {
    "number": number,
    "score": score,
    "percent": percent,
    "percent_range": percent_range,
    "points_difference": points_difference,
    "money": money,
    "count": count,
    "file_size": file_size,
    "long_date": long_date,
    "short_date": short_date,
    "local_dt": date_time,
    "to_local": to_local,
}


def register(app) -> None:
    """Make every formatter a Jinja filter, so templates write figures exactly as PDF and Excel do."""
    app.jinja_env.filters.update(FILTERS)
