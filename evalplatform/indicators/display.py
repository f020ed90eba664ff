"""An indicator's row as an evaluator writes it: target, actual, the computed rate or difference with its
formula, and the score in 分 (未评分 where there is none).

The score sheet (`scoring/sheet.py`) writes every 三级指标 through `score_line`; the scoring workspace, the
sheet page and its export, the PDF and the Excel annex all show those rows, so they cannot disagree. A directly scored indicator (直接评分: 定性分档, 手工评分) holds its score in the
actual-value field; that figure is points, never printed with the target's unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .. import formatting as fmt
from .engine import FORMULAS, OPERATOR_SYMBOLS, ScoringError, dec, formula_value

DIRECT_METHODS = ("qualitative_bands", "manual")  # the evaluator enters the score itself
RATIO_METHODS = ("ratio_higher_better", "ratio_lower_better", "survey")


@dataclass(frozen=True)
class ScoreLine:
    target: str  # "≥95%", the qualitative text, or "" when none was set
    actual: str  # "90.0%" / "120公里"; "" when not known; "直接评分" for direct methods
    computed: str  # "完成率 = 实际值 / 目标值 = 120 / 126 = 95.2%"; "" when nothing is computed
    score: str  # "8.5分" / "未评分" / "不适用"
    rate: Decimal | None  # the computed percentage, for the Excel annex's number cell


def target_text(indicator) -> str:
    if indicator.operator == "qualitative":
        return indicator.target_text or "定性"
    if indicator.target_value is None:
        return ""
    return f"{OPERATOR_SYMBOLS.get(indicator.operator, '')}{_value(indicator.target_value, indicator.unit)}"


def actual_value(indicator) -> Decimal | None:
    return indicator.actual_value if indicator.actual_value is not None else indicator.verified_value


def actual_text(indicator) -> str:
    if indicator.method in DIRECT_METHODS:
        return "直接评分"
    if indicator.method == "formula":
        computed = _formula_rate(indicator)
        if computed is not None:
            return fmt.percent(computed)
    value = actual_value(indicator)
    return "" if value is None else _value(value, indicator.unit)


def score_text(indicator, score=None) -> str:
    if indicator.not_applicable:
        return "不适用"
    return fmt.score(indicator.score if score is None else score)


def score_line(indicator, score=None) -> ScoreLine:
    rate, computed = _computed(indicator)
    return ScoreLine(target_text(indicator), actual_text(indicator), computed, score_text(indicator, score), rate)


def _value(value, unit: str) -> str:
    return f"{fmt.number(value)}{unit or ''}"


def _formula_rate(indicator) -> Decimal | None:
    try:
        return formula_value(str(indicator.params.get("formula", "")), indicator.inputs or {})
    except ScoringError:
        return None


def _computed(indicator) -> tuple[Decimal | None, str]:
    """The figure the score is computed from, with the formula that gives it."""
    method, inputs = indicator.method, indicator.inputs or {}
    if method == "formula":
        return _formula_line(indicator)
    if method == "elements" and inputs.get("met") is not None:
        total = len(indicator.params.get("elements") or [])
        return None, f"满足评价要点 {len(inputs['met'])}/{total} 项"
    if method == "deduction" and inputs.get("deductions") is not None:
        deducted = sum(
            (dec(d.get("points") if isinstance(d, dict) else d) or Decimal(0) for d in inputs["deductions"]), Decimal(0)
        )
        return None, f"扣分合计 {fmt.number(deducted)}分"
    actual, target = actual_value(indicator), indicator.target_value
    if method not in RATIO_METHODS + ("equal",) or actual is None or target is None:
        return None, ""
    if method == "equal" or indicator.operator == "eq":
        return _difference(actual, target, indicator.unit)
    return _ratio(actual, target, indicator.operator == "le" or method == "ratio_lower_better")


def _formula_line(indicator) -> tuple[Decimal | None, str]:
    name = str(indicator.params.get("formula", ""))
    if name not in FORMULAS:
        return None, ""
    label, keys = FORMULAS[name]
    values = [dec((indicator.inputs or {}).get(k)) for k in keys]
    rate = _formula_rate(indicator)
    if rate is None or any(v is None for v in values):
        return None, label
    shown = " / ".join(fmt.number(v) for v in values)
    if name == "cost_saving_rate":
        shown = f"({fmt.number(values[0])} − {fmt.number(values[1])}) / {fmt.number(values[0])}"
    return rate, f"{label} = {shown} = {fmt.percent(rate)}"


def _ratio(actual: Decimal, target: Decimal, lower_better: bool) -> tuple[Decimal | None, str]:
    numerator, denominator = (target, actual) if lower_better else (actual, target)
    if denominator == 0:
        return None, ""
    rate = numerator / denominator * 100
    words = "目标值 / 实际值" if lower_better else "实际值 / 目标值"
    return rate, (f"完成率 = {words} = {fmt.number(numerator)} / {fmt.number(denominator)} = {fmt.percent(rate)}")


def _difference(actual: Decimal, target: Decimal, unit: str) -> tuple[Decimal | None, str]:
    difference = actual - target
    shown = fmt.points_difference(difference) if unit == "%" else f"{fmt.number(difference)}{unit or ''}"
    return None, f"差异 = 实际值 − 目标值 = {fmt.number(actual)} − {fmt.number(target)} = {shown}"
