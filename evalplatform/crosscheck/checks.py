"""One declared-vs-verified comparison, stored: the step every cross-check rule ends with (service.py's
built-in rules, sampling.py's list sizes, quantities.py's measured outputs and satisfaction)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..engagements.models import Engagement
from ..evidence.models import Evidence
from .models import CrossCheck

# Defaults: rates within 1 percentage point, amounts within 0.5 %, list sizes within 2 %.
DEFAULT_TOLERANCE = {
    "execution_rate": (Decimal("0.01"), None),
    "executed_amount": (None, Decimal("0.005")),
    "funds_in_place": (None, Decimal("0.005")),
    "list_size": (None, Decimal("0.02")),
}


@dataclass(frozen=True)
class Comparison:
    outcome: str
    difference: Decimal | None


def compare(
    declared: Decimal | None,
    verified: Decimal | None,
    *,
    tolerance_abs: Decimal | None = None,
    tolerance_rel: Decimal | None = None,
) -> Comparison:
    """consistent when |verified − declared| ≤ max(absolute, relative × |declared|); unverifiable without both."""
    if declared is None or verified is None:
        return Comparison("unverifiable", None)
    difference = Decimal(verified) - Decimal(declared)
    allowed = max(Decimal(tolerance_abs or 0), Decimal(tolerance_rel or 0) * abs(Decimal(declared)))
    return Comparison("consistent" if abs(difference) <= allowed else "discrepancy", difference)


def save_check(
    session: Session,
    engagement: Engagement,
    actor: User,
    now: datetime,
    rule: str,
    subject: str,
    unit: str,
    declared,
    declared_source: str,
    verified,
    verified_source: str,
    *,
    indicator_ref: str | None = None,
    evidence: Evidence | None = None,
    tolerance: tuple | None = None,
    note: str | None = None,
) -> CrossCheck:
    tolerance_abs, tolerance_rel = tolerance or DEFAULT_TOLERANCE.get(rule, (None, None))
    result = compare(declared, verified, tolerance_abs=tolerance_abs, tolerance_rel=tolerance_rel)
    check = session.scalar(select(CrossCheck).filter_by(engagement_id=engagement.id, rule=rule, subject=subject))
    if check is None:
        check = CrossCheck(engagement_id=engagement.id, rule=rule, subject=subject)
        session.add(check)
    check.unit, check.indicator_ref, check.note = unit, indicator_ref, note
    check.declared_value = _round4(declared)
    check.declared_source = declared_source if declared is not None else f"{declared_source}（无数据）"
    check.verified_value = _round4(verified)
    check.verified_source = verified_source if verified is not None else f"{verified_source}（无数据）"
    check.evidence_id = evidence.id if evidence is not None else None
    check.tolerance_abs, check.tolerance_rel = tolerance_abs, tolerance_rel
    check.outcome, check.difference = result.outcome, _round4(result.difference)
    check.checked_by_id, check.checked_at = actor.id, now
    session.flush()
    return check


def _round4(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.0001"))
