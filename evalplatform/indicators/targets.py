"""The unit's 绩效目标表 into the indicator tree. The file is read, its layout detected and each row reviewed in
materials (materials.assessments); here the committed rows land on the tree: 一级/二级 created as needed, the
三级 indicator's target set from the parsed 指标值 (operator, number, unit) with the text as written kept.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from .. import audit
from ..engagements.models import Engagement
from .models import Indicator, IndicatorTree
from .service import children_of, custom_indicator, ordered, tree_for
from .target_text import ParsedTarget

METHOD_FOR = {
    "ge": "ratio_higher_better",
    "le": "ratio_lower_better",
    "eq": "equal",
    "qualitative": "qualitative_bands",
}


def apply_targets(session: Session, engagement: Engagement, rows: list[dict], actor, now: datetime) -> int:
    """Validated 目标表 rows (level1..3, target: ParsedTarget, weight) onto the tree; new levels are created."""
    tree = tree_for(session, engagement)
    if tree is None:
        tree = IndicatorTree(
            engagement_id=engagement.id, framework_code="target_sheet", framework_name="绩效目标表导入", created_at=now
        )
        session.add(tree)
        session.flush()
    by_path = _paths(tree)
    for row in rows:
        _apply(
            session,
            tree,
            by_path,
            (row["level1"], row["level2"], row["level3"]),
            row["target"],
            Decimal(row.get("weight") or 0),
        )
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="indicators.targets_imported",
        obj=tree,
        engagement_id=engagement.id,
        details={"count": len(rows)},
        now=now,
    )
    return len(rows)


def _paths(tree: IndicatorTree) -> dict[tuple, Indicator]:
    names: dict[int, tuple] = {}
    result = {}
    for indicator in ordered(tree):
        path = names.get(indicator.parent_id, ()) + (indicator.name,)
        names[indicator.id] = path
        result[path] = indicator
    return result


def _apply(session, tree, by_path, names: tuple[str, str, str], target: ParsedTarget, points: Decimal) -> None:
    names = tuple(n[:200] for n in names)
    parent = None
    for depth in (1, 2):
        path = names[:depth]
        if path not in by_path:
            by_path[path] = _new(session, tree, parent, path[-1], Decimal(0))
        parent = by_path[path]
        if getattr(parent, "_imported_now", False):
            parent.points += points
    leaf = by_path.get(names) or _new(session, tree, parent, names[2], points)
    by_path[names] = leaf
    leaf.points, leaf.operator, leaf.unit = points, target.code, target.unit[:30]
    leaf.target_value = target.value
    leaf.target_text = None if target.value is not None else target.original[:300]  # qualitative or flagged
    leaf.target_original = target.original[:300]
    if getattr(leaf, "_imported_now", False):
        leaf.method = METHOD_FOR[target.code]


def _new(session, tree, parent, name, points) -> Indicator:
    indicator = custom_indicator(session, tree, parent, name, points, len(children_of(tree, parent)))
    indicator._imported_now = True  # new in this import: its points are the sum of the rows
    return indicator
