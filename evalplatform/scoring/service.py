"""The scoring workspace's logic: record values, score level-3 indicators with the engine, cite evidence.

Values reach it through `set_verified_value` (cross-checks, survey satisfaction; see feeds.py); the
roll-up (total, grade) is `indicators.rollup`. Every score change is audit-logged with before/after.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..evidence import service as evidence_service
from ..evidence.models import Evidence, EvidenceLink
from ..indicators import engine
from ..indicators.models import Indicator, IndicatorTree
from ..indicators.service import EVALUATOR_POINTS, UNSET, IndicatorError, _audit, _number, _plain, rule_of

SCORED_FIELDS = ("declared_value", "actual_value", "inputs", "rationale", "not_applicable", "score")


class RationaleRequired(IndicatorError):
    pass


def record_score(
    session: Session,
    indicator: Indicator,
    actor,
    now: datetime,
    *,
    declared_value=UNSET,
    actual_value=UNSET,
    inputs=UNSET,
    rationale=UNSET,
    not_applicable=UNSET,
) -> Indicator:
    """Store the evaluator's values for a level-3 indicator and its recomputed score; all or nothing."""
    if indicator.level != 3:
        raise IndicatorError("只有三级指标计分，一级和二级指标由下级汇总")
    before = {k: _plain(getattr(indicator, k)) for k in SCORED_FIELDS}
    values = {
        "declared_value": declared_value,
        "actual_value": actual_value,
        "inputs": inputs,
        "rationale": rationale,
        "not_applicable": not_applicable,
    }
    new = {k: (before[k] if v is UNSET else v) for k, v in values.items()}
    new["declared_value"] = (
        _number(new["declared_value"], "申报值") if declared_value is not UNSET else indicator.declared_value
    )
    new["actual_value"] = (
        _number(new["actual_value"], "实际值") if actual_value is not UNSET else indicator.actual_value
    )
    if not isinstance(new["inputs"], dict):
        raise IndicatorError("评分输入格式不正确")
    # Merged, not replaced: each method reads its own keys, so what was entered under another method survives
    # a switch of method and is there again on switching back (a key sent as null clears it).
    new["inputs"] = {**(indicator.inputs or {}), **new["inputs"]}
    new["rationale"] = str(new["rationale"] or "").strip()[:5000]
    new["not_applicable"] = bool(new["not_applicable"])
    score = _score_with(indicator, new)
    if (
        score is not None
        and score < indicator.points
        and not new["not_applicable"]
        and indicator.method in EVALUATOR_POINTS
        and not new["rationale"]
    ):
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


def set_verified_value(
    session: Session, indicator: Indicator, value, source: str, actor, now: datetime, *, use_as_actual: bool = True
) -> Indicator:
    """A verified figure from another module (对照查证复核, 满意度调查 …); by default it becomes the scored value."""
    before = {"verified_value": _plain(indicator.verified_value), "verified_source": indicator.verified_source}
    indicator.verified_value = _number(value, "核实值")
    indicator.verified_source = (source or "")[:200]
    session.flush()
    _audit(
        session,
        actor,
        now,
        "indicators.verified",
        indicator,
        before=before,
        after={"verified_value": _plain(indicator.verified_value), "verified_source": indicator.verified_source},
    )
    if use_as_actual and indicator.level == 3:
        record_score(session, indicator, actor, now, actual_value=indicator.verified_value)
    return indicator


def attach_evidence(session: Session, indicator: Indicator, evidence, actor, now: datetime) -> None:
    """Cite an evidence file (same engagement, not deleted) in support of this indicator's score."""
    if evidence.engagement_id != indicator.tree.engagement_id or evidence.is_deleted:
        raise IndicatorError("只能关联本项目未删除的证据")
    evidence_service.link_evidence(session, evidence, "indicator", indicator.id)
    _audit(session, actor, now, "indicators.evidence_linked", indicator, after={"evidence": evidence.code})


def evidence_by_indicator(session: Session, tree: IndicatorTree | None) -> dict[int, list]:
    """Evidence cited per indicator id (deleted evidence left out)."""
    if tree is None:
        return {}
    rows = session.execute(
        select(EvidenceLink.target_id, Evidence)
        .join(Evidence, EvidenceLink.evidence_id == Evidence.id)
        .where(
            EvidenceLink.target_type == "indicator",
            Evidence.engagement_id == tree.engagement_id,
            Evidence.deleted_at.is_(None),
        )
        .order_by(Evidence.number)
    )
    result: dict[int, list] = {}
    for indicator_id, evidence in rows:
        result.setdefault(indicator_id, []).append(evidence)
    return result
