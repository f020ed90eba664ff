"""Targets as the units write them ("≥95%", "=100%", "不低于3.5公里", "≤ 30天", "95%以上"): operator, number,
percent and unit, with the original text kept; what cannot be read for sure is kept as text and flagged.

Pure functions, no database: the 绩效目标表 and 绩效自评表 imports and the review page all parse here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Canonical operators as the forms print them; scoring knows ge / le / eq (> and < score as ≥ and ≤).
OPERATOR_CODE = {"≥": "ge", ">": "ge", "≤": "le", "<": "le", "=": "eq"}
_PREFIX = [  # longest first: 不低于 before 低于, >= before >
    ("大于或等于", "≥"),
    ("大于等于", "≥"),
    ("小于或等于", "≤"),
    ("小于等于", "≤"),
    ("不低于", "≥"),
    ("不少于", "≥"),
    ("不小于", "≥"),
    ("不超过", "≤"),
    ("不高于", "≤"),
    ("不大于", "≤"),
    ("不多于", "≤"),
    ("至少", "≥"),
    ("最多", "≤"),
    ("达到", "≥"),
    ("大于", ">"),
    ("高于", ">"),
    ("多于", ">"),
    ("超过", ">"),
    ("小于", "<"),
    ("低于", "<"),
    ("少于", "<"),
    ("控制在", "≤"),
    (">=", "≥"),
    ("=>", "≥"),
    ("≧", "≥"),
    ("≥", "≥"),
    ("<=", "≤"),
    ("=<", "≤"),
    ("≦", "≤"),
    ("≤", "≤"),
    (">", ">"),
    ("<", "<"),
    ("==", "="),
    ("=", "="),
]
_SUFFIX = [
    ("(含)以上", "≥"),
    ("及以上", "≥"),
    ("以上", "≥"),
    ("(含)以下", "≤"),
    ("及以下", "≤"),
    ("以下", "≤"),
    ("以内", "≤"),
    ("之内", "≤"),
]
_NUMBER = re.compile(r"([-+]?\d+(?:,\d{3})*(?:\.\d+)?|[-+]?\.\d+)")
_PERCENT_WORDS = ("%", "百分比", "百分之")


@dataclass(frozen=True)
class ParsedTarget:
    original: str  # the text as written in the cell (a percent-formatted number as Excel shows it)
    operator: str | None  # ≥ > = ≤ <, or None for a qualitative or unreadable target
    value: Decimal | None  # 100 for "=100%": the number as written, never the fraction 1
    unit: str  # "%", "公里", "个", "天", "万元"… ("" when none)
    flagged: bool = False  # not read for sure: kept as text for the evaluator to decide
    reason: str = ""

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"

    @property
    def code(self) -> str:
        """ge / le / eq, or qualitative (the Indicator.operator vocabulary)."""
        return OPERATOR_CODE.get(self.operator or "", "qualitative")

    def display(self) -> str:
        if self.operator is None or self.value is None:
            return self.original
        return f"{self.operator}{_plain(self.value)}{self.unit}"


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _normal(text: str) -> str:
    """NFKC (full-width ＞ ≥ digits ％ to ASCII forms), spaces and bracket styles evened out."""
    text = unicodedata.normalize("NFKC", text).strip()
    text = re.sub(r"\s+", "", text)
    return text.replace("（", "(").replace("）", ")")


def parse_target(raw, unit_hint: str = "", operator_hint: str = "") -> ParsedTarget:
    """Read one 指标值 cell. `unit_hint` is the 度量单位 column, `operator_hint` a separate 指标性质/符号 column."""
    original = "" if raw is None else str(raw).strip()
    text = _normal(original)
    hint_op = _operator_only(_normal(operator_hint or ""))
    unit_hint = _normal(unit_hint or "")
    if not text:
        return ParsedTarget(original, None, None, "", True, "指标值为空")
    operator, rest = _strip_prefix(text)
    rest, suffix_op = _strip_suffix(rest)
    operator = operator or suffix_op or hint_op
    match = _NUMBER.match(rest)
    if match is None:
        # 达到国家标准, 不低于上年水平: words, qualitative. Digits, a bare ≥, or 百分之九十五: read by a person.
        if any(ch.isdigit() for ch in text) or "百分之" in text or (operator and rest == "") or text[:1] in "≥≤<>=≧≦":
            return ParsedTarget(original, None, None, "", True, "无法识别的指标值，已按文字保留，请核对")
        return ParsedTarget(original, None, None, "")  # a qualitative target: 明显改善, 按期完成
    unit = rest[match.end() :]
    if _NUMBER.search(unit) or any(sep in unit for sep in ("-", "~", "至", "到", "—")):
        return ParsedTarget(original, None, None, "", True, "指标值是区间或含多个数字，已按文字保留，请核对")
    try:
        value = Decimal(match.group(1).replace(",", ""))
    except InvalidOperation:
        return ParsedTarget(original, None, None, "", True, "无法识别的数字，已按文字保留，请核对")
    unit = _unit(unit or unit_hint)
    return ParsedTarget(original, operator or "=", value, unit)


_DIRECTION = {"正向": "≥", "正向指标": "≥", "反向": "≤", "反向指标": "≤"}  # 指标方向 columns of some forms


def _operator_only(text: str) -> str | None:
    if not text:
        return None
    if text in _DIRECTION:
        return _DIRECTION[text]
    operator, rest = _strip_prefix(text)
    return operator if not rest else None


def _strip_prefix(text: str) -> tuple[str | None, str]:
    for word, operator in _PREFIX:
        if text.startswith(word):
            return operator, text[len(word) :]
    return None, text


def _strip_suffix(text: str) -> tuple[str, str | None]:
    for word, operator in _SUFFIX:
        if text.endswith(word):
            return text[: -len(word)], operator
    return text, None


def _unit(text: str) -> str:
    text = text.strip("()")
    if any(text.startswith(w) for w in _PERCENT_WORDS) or text in ("%", "百分比", "百分率"):
        return "%"
    return text[:30]


def percent_text(number: float | int | Decimal) -> str:
    """A number stored with a percent format, as Excel shows it: 1 → "100%", 0.955 → "95.5%"."""
    value = (Decimal(repr(number)) if isinstance(number, float) else Decimal(number)) * 100
    return f"{_plain(value.quantize(Decimal('0.0001')).normalize())}%"
