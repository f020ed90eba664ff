"""The indicator tree's roll-up: totals, grade, a score per indicator, and each bureau's grade scale.

Pure over a loaded tree (no queries in `summarise`): the tree editor shows it after every change,
`scoring_summary` loads it (report readiness), and the score sheet (`scoring/sheet.py`) is built from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..engagements.models import Engagement
from . import engine
from .models import BureauGradeScale, Indicator, IndicatorTree
from .service import IndicatorError, _number, ordered, tree_for

# --- Grades ----------------------------------------------------------------------------------------


def grade_scale_for(session: Session, bureau_id: int) -> engine.GradeScale:
    row = session.scalar(select(BureauGradeScale).where(BureauGradeScale.bureau_id == bureau_id))
    return engine.GradeScale(row.excellent, row.good, row.fair) if row else engine.GradeScale()


def set_grade_scale(session: Session, bureau_id: int, excellent, good, fair) -> BureauGradeScale:
    excellent, good, fair = (_number(v, "等级分数线") for v in (excellent, good, fair))
    if None in (excellent, good, fair) or not (100 >= excellent > good > fair >= 0):
        raise IndicatorError("等级分数线应满足 100 ≥ 优 > 良 > 中 ≥ 0")
    row = session.scalar(select(BureauGradeScale).where(BureauGradeScale.bureau_id == bureau_id))
    if row is None:
        row = BureauGradeScale(bureau_id=bureau_id)
        session.add(row)
    row.excellent, row.good, row.fair = excellent, good, fair
    session.flush()
    return row


# --- Summaries -------------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the score sheet (一级/二级/三级, 分值, 得分, 得分率, 扣分原因)."""

    indicator: Indicator
    score: Decimal | None
    missing_rationale: bool

    @property
    def rate(self) -> Decimal | None:
        if self.score is None or not self.indicator.points:
            return None
        return engine.half_up(self.score / self.indicator.points * 100, engine.TENTH)


@dataclass
class ScoringSummary:
    engagement_id: int
    total: Decimal | None  # None while the weights do not add up
    grade: str | None  # excellent / good / fair / poor
    grade_label: str | None  # 优 / 良 / 中 / 差
    raw_total: Decimal | None
    applicable_points: Decimal | None
    rescaled: bool
    problems: list[str]
    balance_warning: str | None
    balance_override_reason: str | None
    rows: list[Row] = field(default_factory=list)
    dimensions: list[Row] = field(default_factory=list)  # level-1 rows
    unscored: int = 0

    @property
    def missing_rationales(self) -> list[Row]:
        return [r for r in self.rows if r.missing_rationale]

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": _text(self.total),
            "grade": self.grade,
            "grade_label": self.grade_label,
            "rescaled": self.rescaled,
            "problems": self.problems,
            "balance_warning": self.balance_warning,
            "unscored": self.unscored,
            "missing_rationales": len(self.missing_rationales),
            "scores": {str(r.indicator.id): _text(r.score) for r in self.rows},
        }


def _text(value: Decimal | None) -> str | None:
    """As shown on the page: scores to 0.01, the total to 0.1."""
    return None if value is None else str(value)


def summarise(tree: IndicatorTree | None, engagement_id: int, scale: engine.GradeScale) -> ScoringSummary:
    """Pure roll-up of a loaded tree (no queries): what the workspace shows after every change."""
    if tree is None:
        return ScoringSummary(engagement_id, None, None, None, None, None, False, [], None, None)
    nodes = [
        engine.Node(i.id, i.parent_id, i.level, i.name, i.points, i.score, i.not_applicable) for i in tree.indicators
    ]
    warning = engine.balance_warning(nodes)
    try:
        result = engine.score_tree(nodes, scale)
    except engine.InvalidWeights as error:
        rows = [Row(i, i.score if i.level == 3 else None, False) for i in ordered(tree)]
        return ScoringSummary(
            engagement_id,
            None,
            None,
            None,
            None,
            None,
            False,
            error.problems,
            warning,
            tree.balance_override_reason,
            rows,
            [r for r in rows if r.indicator.level == 1],
        )
    rows = [
        Row(
            i,
            result.scores.get(i.id),
            i.level == 3 and not i.not_applicable and i.below_full and not i.rationale.strip(),
        )
        for i in ordered(tree)
    ]
    return ScoringSummary(
        engagement_id,
        result.total,
        result.grade,
        result.grade_label,
        result.raw_total,
        result.applicable_points,
        result.rescaled,
        [],
        warning,
        tree.balance_override_reason,
        rows,
        [r for r in rows if r.indicator.level == 1],
        len(result.unscored),
    )


def scoring_summary(session: Session, engagement: Engagement) -> ScoringSummary:
    """Total, grade and a row per indicator for an engagement (the score sheet is built from it)."""
    return summarise(tree_for(session, engagement), engagement.id, grade_scale_for(session, engagement.bureau_id))
