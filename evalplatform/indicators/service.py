"""Indicator trees: copy a framework into an engagement, edit it, check weights.

Scoring them is `evalplatform/scoring/` (values in: `scoring.service.set_verified_value`); the roll-up
(total, grade, per-dimension rows) is `indicators.rollup.scoring_summary`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..engagements.models import Engagement
from ..engagements.service import EngagementNotFound
from . import engine, frameworks
from .models import Indicator, IndicatorTree

UNSET: Any = object()
EDITABLE_FIELDS = (
    "name",
    "points",
    "explanation",
    "key_points",
    "target_value",
    "target_text",
    "unit",
    "operator",
    "method",
    "params",
    "standard",
)
# Methods where the evaluator gives the points; a score below full needs the reason at once.
EVALUATOR_POINTS = ("manual", "qualitative_bands")


class IndicatorError(ValueError):
    """A change refused with a message for the evaluator (in Chinese)."""


class TreeExists(IndicatorError):
    pass


class IndicatorNotFound(EngagementNotFound):
    """Not in this engagement's tree: answered as any object one may not see (404, web.py)."""


# --- Loading ---------------------------------------------------------------------------------------


def tree_for(session: Session, engagement: Engagement) -> IndicatorTree | None:
    return session.scalar(select(IndicatorTree).where(IndicatorTree.engagement_id == engagement.id))


def load_indicator(session: Session, engagement: Engagement, indicator_id: int) -> Indicator:
    """The indicator, only if it belongs to this engagement's tree (else 404 upstream)."""
    indicator = session.scalar(
        select(Indicator)
        .join(IndicatorTree)
        .where(Indicator.id == indicator_id, IndicatorTree.engagement_id == engagement.id)
    )
    if indicator is None:
        raise IndicatorNotFound(indicator_id)
    return indicator


def ordered(tree: IndicatorTree) -> list[Indicator]:
    """Depth-first: each level 1, its level 2s, their level 3s — the order of the score sheet."""
    children: dict[int | None, list[Indicator]] = {}
    for indicator in tree.indicators:
        children.setdefault(indicator.parent_id, []).append(indicator)
    for kids in children.values():
        kids.sort(key=lambda i: (i.position, i.id or 0))
    result: list[Indicator] = []

    def walk(parent_id):
        for child in children.get(parent_id, []):
            result.append(child)
            walk(child.id)

    walk(None)
    return result


# --- Creating and editing the tree -----------------------------------------------------------------


def create_tree_from_framework(
    session: Session, engagement: Engagement, framework_code: str, actor, now: datetime
) -> IndicatorTree:
    if tree_for(session, engagement) is not None:
        raise TreeExists("该项目已有指标体系")
    try:
        framework = frameworks.framework_by_code(framework_code)
    except KeyError:
        raise IndicatorError(f"没有代码为“{framework_code}”的指标体系模板") from None
    tree = IndicatorTree(
        engagement_id=engagement.id, framework_code=framework.code, framework_name=framework.name, created_at=now
    )
    session.add(tree)
    session.flush()
    for position, node in enumerate(framework.indicators):
        _copy_node(session, tree, node, None, position)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="indicators.tree_created",
        obj=tree,
        engagement_id=engagement.id,
        details={"name": framework.name, "count": len(tree.indicators)},
        now=now,
    )
    return tree


def _copy_node(session, tree, node: frameworks.TemplateNode, parent: Indicator | None, position: int):
    params = dict(node.params)
    if node.method == "elements" and "elements" not in params:
        params["elements"] = [{"name": k, "weight": 1} for k in node.key_points]
    indicator = Indicator(
        tree=tree,
        parent_id=parent.id if parent else None,
        level=node.level,
        position=position,
        name=node.name,
        points=node.points,
        explanation=node.explanation,
        key_points=list(node.key_points),
        target_value=node.target,
        unit=node.unit,
        operator=node.operator,
        method=node.method,
        params=params,
        standard=node.standard,
        inputs={},
        rationale="",
    )
    session.add(indicator)
    session.flush()
    for index, child in enumerate(node.children):
        _copy_node(session, tree, child, indicator, index)
    return indicator


def children_of(tree: IndicatorTree, parent: Indicator | None) -> list[Indicator]:
    return [i for i in tree.indicators if i.parent_id == (parent.id if parent else None)]


def custom_indicator(session: Session, tree: IndicatorTree, parent: Indicator | None, name: str, points, position: int):
    """A new project-specific (个性) indicator under `parent`: qualitative and scored by hand until it is edited."""
    indicator = Indicator(
        tree=tree,
        parent_id=parent.id if parent else None,
        level=parent.level + 1 if parent else 1,
        position=position,
        name=name[:200],
        points=points,
        is_custom=True,
        operator="qualitative",
        method="manual",
        params={},
        inputs={},
        key_points=[],
        rationale="",
        explanation="",
    )
    session.add(indicator)
    session.flush()
    return indicator


def add_indicator(
    session: Session, tree: IndicatorTree, parent: Indicator | None, actor, now: datetime, *, name: str, points=0
) -> Indicator:
    """A project-specific (个性) indicator under `parent` (None: a new level-1 indicator)."""
    if parent is not None and parent.level >= 3:
        raise IndicatorError("三级指标下不能再添加指标")
    name = (name or "").strip()
    if not name:
        raise IndicatorError("请填写指标名称")
    position = max((s.position for s in children_of(tree, parent)), default=-1) + 1
    indicator = custom_indicator(session, tree, parent, name, _points(points), position)
    _audit(
        session,
        actor,
        now,
        "indicators.added",
        indicator,
        after={"name": indicator.name, "points": str(indicator.points)},
    )
    return indicator


def remove_indicator(session: Session, indicator: Indicator, actor, now: datetime) -> None:
    tree = indicator.tree
    doomed, ids = [indicator], {indicator.id}
    for other in ordered(tree):  # depth-first order: parents come before their children
        if other.parent_id in ids:
            doomed.append(other)
            ids.add(other.id)
    _audit(
        session,
        actor,
        now,
        "indicators.removed",
        indicator,
        before={"name": indicator.name, "points": str(indicator.points), "count": len(doomed)},
    )
    for other in sorted(doomed, key=lambda i: -i.level):  # children first: the parent FK cascades too
        session.delete(other)
        session.flush()
    session.expire(tree, ["indicators"])


def update_indicator(session: Session, indicator: Indicator, actor, now: datetime, changes: dict) -> Indicator:
    """Edit the definition (allow-listed fields); the score is recomputed under the new rule."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise IndicatorError(f"不能修改的字段：{'、'.join(sorted(unknown))}")
    before = {k: _plain(getattr(indicator, k)) for k in changes}
    clean = {k: _clean_field(k, v) for k, v in changes.items()}
    for key, value in clean.items():
        setattr(indicator, key, value)
    if indicator.level == 3:
        indicator.score = _safe_score(indicator)
    session.flush()
    _audit(
        session,
        actor,
        now,
        "indicators.edited",
        indicator,
        before=before,
        after={k: _plain(getattr(indicator, k)) for k in changes},
    )
    return indicator


def rule_of(indicator: Indicator) -> engine.Rule:
    return engine.Rule(
        method=indicator.method,
        points=indicator.points,
        operator=indicator.operator,
        target=indicator.target_value,
        params=indicator.params or {},
    )


def compute_score(indicator: Indicator) -> Decimal | None:
    """The engine's verdict on this indicator's current values (raises engine.ScoringError)."""
    return engine.score_indicator(rule_of(indicator), indicator.actual_value, indicator.inputs or {})


def _safe_score(indicator: Indicator) -> Decimal | None:
    try:
        return compute_score(indicator)
    except engine.ScoringError:
        return None


def _clean_field(key: str, value):
    if key == "name":
        value = str(value or "").strip()
        if not value:
            raise IndicatorError("指标名称不能为空")
        return value[:200]
    if key == "points":
        return _points(value)
    if key == "target_value":
        return _number(value, "指标值")
    if key == "operator" and value not in engine.OPERATORS:
        raise IndicatorError("指标性质应为 ≥、≤、= 或定性")
    if key == "method" and value not in engine.METHODS:
        raise IndicatorError(f"未知的评分方法“{value}”")
    if key == "standard" and value not in engine.STANDARDS:
        raise IndicatorError("评价标准应为计划、行业、历史或其他标准")
    if key == "key_points":
        return [str(v).strip() for v in (value or []) if str(v).strip()]
    if key == "params":
        if not isinstance(value, dict):
            raise IndicatorError("评分参数格式不正确")
        return value
    return (str(value).strip() if value is not None else "")[
        : 300 if key == "target_text" else 30 if key == "unit" else 5000
    ]


def _points(value) -> Decimal:
    points = _number(value, "分值")
    if points is None or points < 0 or points > 100:
        raise IndicatorError("分值应在 0 至 100 之间")
    return engine.half_up(points)


def _number(value, label: str) -> Decimal | None:
    try:
        return engine.dec(value)
    except engine.ScoringError:
        raise IndicatorError(f"{label}“{value}”不是有效的数值") from None


def set_balance_override(session: Session, tree: IndicatorTree, reason: str, actor, now: datetime) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise IndicatorError("请写明产出和效益分值低于 60 分的理由")
    before = tree.balance_override_reason
    tree.balance_override_reason = reason[:2000]
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="indicators.balance_override",
        obj=tree,
        engagement_id=tree.engagement_id,
        details={"before": before, "reason": reason},
        now=now,
    )


@dataclass
class TreeCheck:
    problems: list[str]  # weights that do not add up: scoring is refused until fixed
    balance_warning: str | None  # 产出+效益 < 60
    balance_overridden: bool
    rule_problems: list[str] = field(default_factory=list)  # level-3 rules that cannot score yet

    @property
    def ok(self) -> bool:
        return not self.problems and (self.balance_warning is None or self.balance_overridden)


def check_tree(tree: IndicatorTree) -> TreeCheck:
    nodes = _nodes(tree)
    rules = [
        f"“{i.name}”：{problem}"
        for i in ordered(tree)
        if i.level == 3
        for problem in [frameworks.rule_problem(i.method, i.operator, i.target_value, i.params or {}, i.standard)]
        if problem
    ]
    return TreeCheck(
        engine.weight_problems(nodes), engine.balance_warning(nodes), bool(tree.balance_override_reason), rules
    )


def _nodes(tree: IndicatorTree) -> list[engine.Node]:
    return [
        engine.Node(i.id, i.parent_id, i.level, i.name, i.points, i.score, i.not_applicable) for i in tree.indicators
    ]


def _audit(session, actor, now, action, indicator: Indicator, before=None, after=None, **extra):
    details = {"name": indicator.name, **extra}
    if before is not None:
        details["before"] = before
    if after is not None:
        details["after"] = after
    audit.record(
        session,
        actor=actor,
        action=action,
        obj=indicator,
        engagement_id=indicator.tree.engagement_id,
        details=details,
        now=now,
    )


def _plain(value):
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return value
