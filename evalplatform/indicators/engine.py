"""The scoring engine: pure functions on Decimal, no database, no Flask (design.md §4).

`score_indicator` turns one level-3 indicator's rule and inputs into points; `score_tree` rolls the
tree up, leaves N/A indicators out, re-scales the total to 100, rounds it half up to one decimal and
grades it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Iterable, Mapping

ZERO, ONE, HUNDRED = Decimal(0), Decimal(1), Decimal(100)
CENT = Decimal("0.01")
TENTH = Decimal("0.1")

OPERATORS = ("ge", "le", "eq", "qualitative")
OPERATOR_SYMBOLS = {"ge": "≥", "le": "≤", "eq": "=", "qualitative": "定性"}
METHODS = (
    "ratio_higher_better",
    "ratio_lower_better",
    "equal",
    "formula",
    "qualitative_bands",
    "elements",
    "deduction",
    "survey",
    "manual",
)
STANDARDS = ("plan", "industry", "history", "other")  # 计划 / 行业 / 历史 / 其他标准

# 财预〔2020〕10号 附件2 formulas; each gives a percentage from named inputs.
FORMULAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "funds_in_place_rate": ("资金到位率 = 实际到位资金 / 预算资金", ("funds_in_place", "budget")),
    "budget_execution_rate": ("预算执行率 = 实际支出资金 / 实际到位资金", ("actual_spent", "funds_in_place")),
    # The self-evaluation form (自评表) uses the annual figures instead.
    "budget_execution_rate_annual": (
        "预算执行率（自评表口径）= 全年执行数 / 全年预算数",
        ("annual_executed", "annual_budget"),
    ),
    "completion_rate": ("实际完成率 = 实际产出数 / 计划产出数", ("actual_output", "planned_output")),
    "quality_rate": ("质量达标率 = 质量达标产出数 / 实际产出数", ("qualified_output", "actual_output")),
    "cost_saving_rate": ("成本节约率 = (计划成本 − 实际成本) / 计划成本", ("planned_cost", "actual_cost")),
}

# Share of points each qualitative band allows, inclusive at both ends.
BANDS: dict[str, tuple[Decimal, Decimal]] = {
    "achieved": (Decimal("0.8"), ONE),  # 达成
    "partly": (Decimal("0.6"), Decimal("0.8")),  # 部分达成
    "not_achieved": (ZERO, Decimal("0.6")),  # 未达成
}


class ScoringError(ValueError):
    """The inputs cannot be scored; the message says why, in Chinese, for the evaluator."""


class InvalidWeights(ScoringError):
    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Rule:
    """How one level-3 indicator is scored."""

    method: str
    points: Decimal
    operator: str = "ge"
    target: Decimal | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


def dec(value) -> Decimal | None:
    """Decimal from user or stored input (never through float); None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        value = repr(value)
    try:
        result = Decimal(str(value).strip().replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise ScoringError(f"“{value}”不是有效的数值") from None
    if not result.is_finite():
        raise ScoringError(f"“{value}”不是有效的数值")
    return result


def half_up(value: Decimal, quantum: Decimal = CENT) -> Decimal:
    return value.quantize(quantum, rounding=ROUND_HALF_UP)


def _clamp(points: Decimal, share: Decimal) -> Decimal:
    return half_up(points * max(ZERO, min(share, ONE)))


def score_indicator(rule: Rule, actual=None, inputs: Mapping[str, Any] | None = None) -> Decimal | None:
    """Points earned, in [0, rule.points], to 0.01; None when there is nothing to score yet."""
    inputs = inputs or {}
    scorer = _SCORERS.get(rule.method)
    if scorer is None:
        raise ScoringError(f"未知的评分方法“{rule.method}”")
    return scorer(rule, dec(actual), inputs)


def _ratio(rule: Rule, actual: Decimal | None, _inputs) -> Decimal | None:
    if actual is None:
        return None
    if rule.operator == "le":
        return _lower_better(rule, actual)
    if rule.operator == "eq":
        return _equal(rule, actual, _inputs)
    return _higher_better(rule, actual)


def _higher_better(rule: Rule, actual: Decimal) -> Decimal:
    target = _target(rule)
    if target <= 0:  # any non-negative result meets a target of 0
        return rule.points if actual >= target else ZERO
    share = actual / target
    too_low = dec(rule.params.get("too_low_ratio"))
    if too_low is not None and share >= too_low:
        # Over-achievement is capped; far beyond the target suggests it was set too low (目标设定偏低).
        deduction = dec(rule.params.get("too_low_deduction")) or ZERO
        return half_up(max(ZERO, rule.points - deduction))
    return _clamp(rule.points, share)


def _lower_better(rule: Rule, actual: Decimal) -> Decimal:
    target = _target(rule)
    if actual <= target or actual <= 0:  # at or under the ceiling (e.g. nothing spent) earns full points
        return rule.points
    if target <= 0:
        return ZERO
    return _clamp(rule.points, target / actual)


def _equal(rule: Rule, actual: Decimal, _inputs=None) -> Decimal | None:
    if actual is None:
        return None
    target = _target(rule)
    tolerance = dec(rule.params.get("tolerance")) or ZERO
    if abs(actual - target) <= tolerance:
        return rule.points
    low, high = sorted((abs(actual), abs(target)))
    if high == 0 or (actual < 0) != (target < 0):
        return ZERO
    return _clamp(rule.points, low / high)


def _target(rule: Rule) -> Decimal:
    if rule.target is None:
        raise ScoringError("未设定指标值（目标值），无法按比例计分")
    return rule.target


def formula_value(name: str, inputs: Mapping[str, Any]) -> Decimal | None:
    """The named rate as a percentage, or None while an input is missing."""
    if name not in FORMULAS:
        raise ScoringError(f"未知的计算公式“{name}”")
    label, keys = FORMULAS[name]
    values = [dec(inputs.get(k)) for k in keys]
    if any(v is None for v in values):
        return None
    numerator, denominator = values
    if name == "cost_saving_rate":
        planned, actual = values
        numerator, denominator = planned - actual, planned
    if denominator == 0:
        raise ScoringError(f"{label}：分母为 0，无法计算")
    return numerator / denominator * HUNDRED


def _formula(rule: Rule, actual: Decimal | None, inputs) -> Decimal | None:
    value = formula_value(str(rule.params.get("formula", "")), inputs)
    return _ratio(rule, value if value is not None else actual, inputs)


def band_of(share: Decimal) -> list[str]:
    return [name for name, (low, high) in BANDS.items() if low <= share <= high]


def _qualitative(rule: Rule, actual: Decimal | None, inputs) -> Decimal | None:
    band = inputs.get("band")
    if actual is None:
        return None
    if band not in BANDS:
        raise ScoringError("定性指标请选择评价档次（达成 / 部分达成 / 未达成）")
    low, high = BANDS[band]
    if rule.points == 0 or not (low * rule.points <= actual <= high * rule.points):
        raise ScoringError(
            f"所选档次的得分应在 {half_up(low * rule.points)} 至 {half_up(high * rule.points)} 分之间，"
            f"给出的 {actual} 分不在该档内"
        )
    return half_up(actual)


def _elements(rule: Rule, _actual, inputs) -> Decimal | None:
    elements = list(rule.params.get("elements") or [])
    met = inputs.get("met")
    if met is None:
        return None
    if not elements:
        raise ScoringError("要素法需要列出评价要点")
    weights = [dec(e.get("weight", 1)) if isinstance(e, Mapping) else ONE for e in elements]
    names = [e.get("name") if isinstance(e, Mapping) else str(e) for e in elements]
    unknown = set(met) - set(names)
    if unknown:
        raise ScoringError(f"不存在的评价要点：{'、'.join(sorted(map(str, unknown)))}")
    earned = sum((w for n, w in zip(names, weights) if n in set(met)), ZERO)
    return _clamp(rule.points, earned / sum(weights, ZERO))


def _deduction(rule: Rule, _actual, inputs) -> Decimal | None:
    deductions = inputs.get("deductions")
    if deductions is None:
        return None
    total = ZERO
    for item in deductions:
        amount = dec(item.get("points") if isinstance(item, Mapping) else item)
        if amount is None or amount < 0:
            raise ScoringError("扣分值必须是不小于 0 的数")
        total += amount
    return half_up(max(ZERO, rule.points - total))


def _manual(rule: Rule, actual: Decimal | None, _inputs) -> Decimal | None:
    if actual is None:
        return None
    if not ZERO <= actual <= rule.points:
        raise ScoringError(f"得分应在 0 至 {rule.points} 分之间")
    return half_up(actual)


_SCORERS = {
    "ratio_higher_better": lambda r, a, i: _ratio(Rule(r.method, r.points, "ge", r.target, r.params), a, i),
    "ratio_lower_better": lambda r, a, i: _ratio(Rule(r.method, r.points, "le", r.target, r.params), a, i),
    "equal": lambda r, a, i: _equal(r, a),
    "formula": _formula,
    "qualitative_bands": _qualitative,
    "elements": _elements,
    "deduction": _deduction,
    # A satisfaction rate (%) from the questionnaire analysis against the target, higher is better.
    "survey": lambda r, a, i: _ratio(Rule(r.method, r.points, "ge", r.target, r.params), a, i),
    "manual": _manual,
}


# --- The tree ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """One indicator as the engine sees it; `score` is set on scored level-3 nodes only."""

    key: Any
    parent: Any
    level: int
    name: str
    points: Decimal
    score: Decimal | None = None
    not_applicable: bool = False


@dataclass(frozen=True)
class GradeScale:
    """Lower bounds of 优 / 良 / 中 on the rounded total; below `fair` is 差."""

    excellent: Decimal = Decimal(90)
    good: Decimal = Decimal(80)
    fair: Decimal = Decimal(60)

    def grade(self, total: Decimal) -> str:
        if total >= self.excellent:
            return "excellent"
        if total >= self.good:
            return "good"
        if total >= self.fair:
            return "fair"
        return "poor"


GRADE_LABELS = {"excellent": "优", "good": "良", "fair": "中", "poor": "差"}


@dataclass
class TreeResult:
    total: Decimal  # re-scaled to 100, rounded half up to 0.1
    raw_total: Decimal  # sum of earned points before re-scaling
    applicable_points: Decimal  # points of indicators that are not N/A
    grade: str
    scores: dict  # key → earned points of every node (branches roll up)
    unscored: list  # level-3 keys still without a score
    rescaled: bool

    @property
    def grade_label(self) -> str:
        return GRADE_LABELS[self.grade]


def weight_problems(nodes: Iterable[Node]) -> list[str]:
    """Each branch's children must add up to it and level 1 to 100; the message names the branch."""
    nodes = list(nodes)
    children: dict = {}
    for node in nodes:
        children.setdefault(node.parent, []).append(node)
    problems = []
    top = sum((n.points for n in children.get(None, [])), ZERO)
    if top != HUNDRED:
        problems.append(f"一级指标分值合计 {_fmt(top)} 分，应为 100 分")
    for node in nodes:
        kids = children.get(node.key, [])
        if node.level < 3 and kids:
            total = sum((k.points for k in kids), ZERO)
            if total != node.points:
                problems.append(
                    f"“{node.name}”下的{_LEVEL_NAMES[node.level + 1]}分值合计 {_fmt(total)} 分，"
                    f"应为 {_fmt(node.points)} 分"
                )
        elif node.level < 3:
            problems.append(f"“{node.name}”下没有{_LEVEL_NAMES[node.level + 1]}")
    return problems


_LEVEL_NAMES = {1: "一级指标", 2: "二级指标", 3: "三级指标"}


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}"


def score_tree(nodes: Iterable[Node], scale: GradeScale = GradeScale()) -> TreeResult:
    """Roll level-3 scores up; N/A leaves are left out and the total is re-scaled to 100."""
    nodes = list(nodes)
    problems = weight_problems(nodes)
    if problems:
        raise InvalidWeights(problems)
    by_key = {n.key: n for n in nodes}
    scores = {n.key: ZERO for n in nodes}
    applicable = raw = ZERO
    unscored = []
    for leaf in (n for n in nodes if n.level == 3):
        if leaf.not_applicable:
            scores[leaf.key] = None
            continue
        applicable += leaf.points
        if leaf.score is None:
            unscored.append(leaf.key)
        earned = min(max(leaf.score or ZERO, ZERO), leaf.points)
        scores[leaf.key] = earned
        raw += earned
        parent = leaf.parent
        while parent is not None:
            scores[parent] += earned
            parent = by_key[parent].parent
    total = half_up(raw * HUNDRED / applicable, TENTH) if applicable else ZERO
    return TreeResult(
        total=total,
        raw_total=raw,
        applicable_points=applicable,
        grade=scale.grade(total),
        scores=scores,
        unscored=unscored,
        rescaled=applicable != HUNDRED,
    )


def balance_warning(nodes: Iterable[Node], minimum: Decimal = Decimal(60)) -> str | None:
    """Key evaluations weight 产出 + 效益 (效果 for departments) at 60 points or more."""
    share = sum((n.points for n in nodes if n.level == 1 and n.name.strip() in ("产出", "效益", "效果")), ZERO)
    if share < minimum:
        return f"产出和效益指标分值合计 {_fmt(share)} 分，重点评价应不低于 {_fmt(minimum)} 分"
    return None
