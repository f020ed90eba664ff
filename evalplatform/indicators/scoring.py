"""The scoring workspace's logic: record values, score level-3 indicators, roll up and summarise.

Other domains feed it through `set_verified_value` (cross-checks, survey satisfaction) and read it
through `scoring_summary` (the report). Every score change is audit-logged with before/after.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..engagements.models import Engagement
from . import engine
from .models import BureauGradeScale, Indicator, IndicatorTree
from .service import (EVALUATOR_POINTS, UNSET, IndicatorError, _audit, _number, _plain,
                      ordered, rule_of, tree_for)

SCORED_FIELDS = ("declared_value", "actual_value", "inputs", "rationale", "not_applicable", "score")


class RationaleRequired(IndicatorError):
    pass


def record_score(session: Session, indicator: Indicator, actor, now: datetime, *, declared_value=UNSET,
                 actual_value=UNSET, inputs=UNSET, rationale=UNSET, not_applicable=UNSET) -> Indicator:
    """Store the evaluator's values for a level-3 indicator and its recomputed score; all or nothing."""
    if indicator.level != 3:
        raise IndicatorError("只有三级指标计分，一级和二级指标由下级汇总")
    before = {k: _plain(getattr(indicator, k)) for k in SCORED_FIELDS}
    values = {"declared_value": declared_value, "actual_value": actual_value, "inputs": inputs,
              "rationale": rationale, "not_applicable": not_applicable}
    new = {k: (before[k] if v is UNSET else v) for k, v in values.items()}
    new["declared_value"] = _number(new["declared_value"], "申报值") if declared_value is not UNSET \
        else indicator.declared_value
    new["actual_value"] = _number(new["actual_value"], "实际值") if actual_value is not UNSET \
        else indicator.actual_value
    if not isinstance(new["inputs"], dict):
        raise IndicatorError("评分输入格式不正确")
    # Merged, not replaced: each method reads its own keys, so what was entered under another method survives
    # a switch of method and is there again on switching back (a key sent as null clears it).
    new["inputs"] = {**(indicator.inputs or {}), **new["inputs"]}
    new["rationale"] = str(new["rationale"] or "").strip()[:5000]
    new["not_applicable"] = bool(new["not_applicable"])
    score = _score_with(indicator, new)
    if (score is not None and score < indicator.points and not new["not_applicable"]
            and indicator.method in EVALUATOR_POINTS and not new["rationale"]):
        raise RationaleRequired(f"“{indicator.name}”得分低于满分，请填写扣分原因")
    for key, value in new.items():
        setattr(indicator, key, value)
    indicator.score = score
    indicator.scored_at, indicator.scored_by_id = now, getattr(actor, "id", None)
    session.flush()
    after = {k: _plain(getattr(indicator, k)) for k in SCORED_FIELDS}
    if after != before:
        _audit(session, actor, now, "indicators.scored", indicator, before=before, after=after)
    return indicator


def _score_with(indicator: Indicator, values: dict) -> Decimal | None:
    try:
        return engine.score_indicator(rule_of(indicator), values["actual_value"], values["inputs"])
    except engine.ScoringError as error:
        raise IndicatorError(f"“{indicator.name}”：{error}") from None


def set_verified_value(session: Session, indicator: Indicator, value, source: str, actor, now: datetime, *,
                       use_as_actual: bool = True) -> Indicator:
    """A verified figure from another module (对照查证复核, 满意度调查 …); by default it becomes the scored value."""
    before = {"verified_value": _plain(indicator.verified_value), "verified_source": indicator.verified_source}
    indicator.verified_value = _number(value, "核实值")
    indicator.verified_source = (source or "")[:200]
    session.flush()
    _audit(session, actor, now, "indicators.verified", indicator, before=before,
           after={"verified_value": _plain(indicator.verified_value), "verified_source": indicator.verified_source})
    if use_as_actual and indicator.level == 3:
        record_score(session, indicator, actor, now, actual_value=indicator.verified_value)
    return indicator


def attach_evidence(session: Session, indicator: Indicator, evidence, actor, now: datetime) -> None:
    """Cite an evidence file (same engagement, not deleted) in support of this indicator's score."""
    from ..evidence import service as evidence_service  # evidence sits beside indicators, not below it
    if evidence.engagement_id != indicator.tree.engagement_id or evidence.is_deleted:
        raise IndicatorError("只能关联本项目未删除的证据")
    evidence_service.link_evidence(session, evidence, "indicator", indicator.id)
    _audit(session, actor, now, "indicators.evidence_linked", indicator, after={"evidence": evidence.code})


def evidence_by_indicator(session: Session, tree: IndicatorTree | None) -> dict[int, list]:
    """Evidence cited per indicator id (deleted evidence left out)."""
    from ..evidence.models import Evidence, EvidenceLink
    if tree is None:
        return {}
    rows = session.execute(
        select(EvidenceLink.target_id, Evidence).join(Evidence, EvidenceLink.evidence_id == Evidence.id)
        .where(EvidenceLink.target_type == "indicator", Evidence.engagement_id == tree.engagement_id,
               Evidence.deleted_at.is_(None)).order_by(Evidence.number))
    result: dict[int, list] = {}
    for indicator_id, evidence in rows:
        result.setdefault(indicator_id, []).append(evidence)
    return result


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
    total: Decimal | None              # None while the weights do not add up
    grade: str | None                  # excellent / good / fair / poor
    grade_label: str | None            # 优 / 良 / 中 / 差
    raw_total: Decimal | None
    applicable_points: Decimal | None
    rescaled: bool
    problems: list[str]
    balance_warning: str | None
    balance_override_reason: str | None
    rows: list[Row] = field(default_factory=list)
    dimensions: list[Row] = field(default_factory=list)   # level-1 rows
    unscored: int = 0

    @property
    def missing_rationales(self) -> list[Row]:
        return [r for r in self.rows if r.missing_rationale]

    def as_dict(self) -> dict[str, Any]:
        return {"total": _text(self.total), "grade": self.grade, "grade_label": self.grade_label,
                "rescaled": self.rescaled, "problems": self.problems, "balance_warning": self.balance_warning,
                "unscored": self.unscored, "missing_rationales": len(self.missing_rationales),
                "scores": {str(r.indicator.id): _text(r.score) for r in self.rows}}


def _text(value: Decimal | None) -> str | None:
    """As shown on the page: scores to 0.01, the total to 0.1."""
    return None if value is None else str(value)


def summarise(tree: IndicatorTree | None, engagement_id: int, scale: engine.GradeScale) -> ScoringSummary:
    """Pure roll-up of a loaded tree (no queries): what the workspace shows after every change."""
    if tree is None:
        return ScoringSummary(engagement_id, None, None, None, None, None, False, [], None, None)
    nodes = [engine.Node(i.id, i.parent_id, i.level, i.name, i.points, i.score, i.not_applicable)
             for i in tree.indicators]
    warning = engine.balance_warning(nodes)
    try:
        result = engine.score_tree(nodes, scale)
    except engine.InvalidWeights as error:
        rows = [Row(i, i.score if i.level == 3 else None, False) for i in ordered(tree)]
        return ScoringSummary(engagement_id, None, None, None, None, None, False, error.problems, warning,
                              tree.balance_override_reason, rows, [r for r in rows if r.indicator.level == 1])
    rows = [Row(i, result.scores.get(i.id),
                i.level == 3 and not i.not_applicable and i.below_full and not i.rationale.strip())
            for i in ordered(tree)]
    return ScoringSummary(engagement_id, result.total, result.grade, result.grade_label, result.raw_total,
                          result.applicable_points, result.rescaled, [], warning, tree.balance_override_reason,
                          rows, [r for r in rows if r.indicator.level == 1], len(result.unscored))


def scoring_summary(session: Session, engagement: Engagement) -> ScoringSummary:
    """Total, grade and the score sheet's rows for an engagement (the report's 评分表)."""
    return summarise(tree_for(session, engagement), engagement.id, grade_scale_for(session, engagement.bureau_id))
