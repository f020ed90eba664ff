"""The score sheet (评分表), built once: the sheet page, its XLSX export, the report's score tables and the
Excel annex all present this one structure and compute nothing of their own.

`build_sheet` is pure over the roll-up (`indicators.rollup`) and the evidence codes cited per indicator;
`score_sheet` loads both for an engagement.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from ..i18n import N_
from ..indicators import display
from ..indicators.rollup import Row, ScoringSummary, grade_scale_for, summarise
from ..indicators.service import tree_for
from .service import evidence_by_indicator

RESCALED_NOTE = N_("已剔除不适用指标并折算为百分制")


@dataclass(frozen=True)
class SheetRow:
    """One indicator: its names down the tree, 分值, 得分, 得分率; a 三级指标 also what its score rests on."""

    indicator_id: int
    level: int
    path: tuple[str, ...]  # 一级 … this indicator's name
    dimension_id: int  # the 一级指标 it belongs to (its own id for one)
    points: Decimal
    score: Decimal | None  # None: not scored yet, not applicable, or the weights do not add up
    rate: Decimal | None  # 得分率 in percent, to 0.1
    not_applicable: bool = False
    target: str = ""  # 指标值, as display.py writes it
    actual: str = ""  # 实际完成
    computed: str = ""  # the rate or difference with its formula
    computed_rate: Decimal | None = None  # that figure as a number (the Excel annex)
    rationale: str = ""  # 扣分原因 / 评分依据
    missing_rationale: bool = False  # below full points with no reason written
    lost: Decimal | None = None  # points deducted from a scored 三级指标
    source: str = ""  # where the verified value came from
    evidence: tuple[str, ...] = ()  # codes of the evidence cited

    @property
    def name(self) -> str:
        return self.path[-1]

    @property
    def names(self) -> tuple[str, str, str]:
        """一级 / 二级 / 三级 as the report prints a 三级指标's row (its whole path)."""
        level1, level2, level3, *_ = (*self.path, "", "", "")
        return level1, level2, level3


@dataclass(frozen=True)
class ScoreSheet:
    rows: tuple[SheetRow, ...]  # the tree in order: a 一级指标, its 二级, their 三级, the next 一级 …
    points_total: Decimal  # the 一级指标' points (100 once the weights add up)
    total: Decimal | None  # 百分制, to 0.1; None while the weights do not add up
    raw_total: Decimal | None  # points earned before re-scaling
    applicable_points: Decimal | None  # points of the applicable 三级指标
    grade: str | None  # excellent / good / fair / poor
    grade_label: str | None  # 优 / 良 / 中 / 差
    rescaled: bool  # not-applicable indicators left out, the total re-scaled to 100
    problems: tuple[str, ...]  # why the weights do not add up
    unscored: int

    @property
    def leaves(self) -> list[SheetRow]:
        return [r for r in self.rows if r.level == 3]

    @property
    def dimensions(self) -> list[SheetRow]:
        return [r for r in self.rows if r.level == 1]

    def leaves_of(self, dimension: SheetRow) -> list[SheetRow]:
        return [r for r in self.leaves if r.dimension_id == dimension.indicator_id]

    @property
    def note(self) -> str:
        """What the 合计 row says besides the figures (a msgid: pages translate it, the report prints it)."""
        if self.problems:
            return "；".join(self.problems)
        return RESCALED_NOTE if self.rescaled else ""


def score_sheet(session: Session, engagement) -> ScoreSheet:
    """The engagement's score sheet, with the evidence each indicator cites."""
    tree = tree_for(session, engagement)
    summary = summarise(tree, engagement.id, grade_scale_for(session, engagement.bureau_id))
    return build_sheet(summary, cited_codes(session, tree))


def cited_codes(session: Session, tree) -> dict[int, list[str]]:
    return {k: [e.code for e in v] for k, v in evidence_by_indicator(session, tree).items()}


def build_sheet(summary: ScoringSummary, cited: dict[int, list[str]] | None = None) -> ScoreSheet:
    """The sheet from a roll-up (pure): one row per indicator, the totals, the grade."""
    paths: dict[int | None, tuple[str, ...]] = {}
    dimensions: dict[int, int] = {}
    rows = []
    for row in summary.rows:
        i = row.indicator
        paths[i.id] = paths.get(i.parent_id, ()) + (i.name,)
        dimensions[i.id] = dimensions.get(i.parent_id, i.id)
        if i.level == 3:
            rows.append(_leaf(row, paths[i.id], dimensions[i.id], (cited or {}).get(i.id, [])))
        else:
            rows.append(SheetRow(i.id, i.level, paths[i.id], dimensions[i.id], i.points, row.score, row.rate))
    return ScoreSheet(
        rows=tuple(rows),
        points_total=sum((r.points for r in rows if r.level == 1), Decimal(0)),
        total=summary.total,
        raw_total=summary.raw_total,
        applicable_points=summary.applicable_points,
        grade=summary.grade,
        grade_label=summary.grade_label,
        rescaled=summary.rescaled,
        problems=tuple(summary.problems),
        unscored=summary.unscored,
    )


def _leaf(row: Row, path: tuple[str, ...], dimension_id: int, cited: list[str]) -> SheetRow:
    """A 三级指标: one not scored yet shows 未评分 (no 0, no rate, nothing deducted), though the total
    counts it as 0 until it is scored."""
    i = row.indicator
    scored = not i.not_applicable and i.score is not None
    score = row.score if scored else None
    line = display.score_line(i, score)
    lost = i.points - score if score is not None and score < i.points else None
    return SheetRow(
        indicator_id=i.id,
        level=3,
        path=path,
        dimension_id=dimension_id,
        points=i.points,
        score=score,
        rate=row.rate if scored else None,
        not_applicable=i.not_applicable,
        target=line.target,
        actual=line.actual,
        computed=line.computed,
        computed_rate=line.rate,
        rationale=i.rationale or "",
        missing_rationale=row.missing_rationale,
        lost=lost,
        source=i.verified_source or "",
        evidence=tuple(cited),
    )
