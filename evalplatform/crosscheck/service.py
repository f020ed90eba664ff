"""Cross-check engine: compare declared with verified values within a tolerance, run the built-in rules,
record evaluator-verified figures with evidence, and hand verified values to scoring."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session, joinedload

from .. import audit
from ..accounts.models import User
from ..engagements.models import Engagement
from ..engagements.service import ensure_can_edit, load_owned
from ..evidence.models import Evidence
from ..materials import service as materials
from ..materials.models import BudgetLine, LedgerEntry
from ..pagination import Page, paginate
from . import quantities, sampling
from .checks import save_check
from .ledger_rules import LedgerTotals, Record, run_ledger_rules, totals
from .models import CrossCheck, LedgerFlag

RULE_LABELS = {
    "execution_rate": "预算执行率",
    "executed_amount": "全年执行数",
    "funds_in_place": "资金到位",
    "list_size": "申报清单数量",
    "manual": "核实数",
    "output_quantity": "产出数量（现场实测）",
    "satisfaction": "满意度（问卷调查）",
}


class CrossCheckError(Exception):
    """Refused input; the message is for the evaluator (Chinese)."""


def ledger_records(session: Session, engagement: Engagement) -> list[Record]:
    """The current ledger as plain records (columns only, no ORM objects: ledgers run to 100,000 rows)."""
    material = materials.current_import(session, engagement, "ledger")
    if material is None:
        return []
    rows = session.execute(
        select(
            LedgerEntry.id,
            LedgerEntry.row_number,
            LedgerEntry.entry_date,
            LedgerEntry.kind,
            LedgerEntry.amount,
            LedgerEntry.voucher_no,
            LedgerEntry.payee,
            LedgerEntry.contract_date,
        )
        .where(LedgerEntry.import_id == material.id)
        .order_by(LedgerEntry.row_number)
    )
    return [Record(*row) for row in rows]


def refresh_ledger_flags(session: Session, engagement: Engagement, records: list[Record] | None = None) -> int:
    """Re-run the ledger rules on the current ledger and replace the stored flags."""
    records = ledger_records(session, engagement) if records is None else records
    flags = run_ledger_rules(records, engagement.fiscal_year)
    session.execute(delete(LedgerFlag).where(LedgerFlag.engagement_id == engagement.id))
    if flags:
        session.execute(
            insert(LedgerFlag),
            [
                {"engagement_id": engagement.id, "ledger_entry_id": f.record_id, "rule": f.rule, "detail": f.detail}
                for f in flags
            ],
        )
    return len(flags)


def ledger_flags(session: Session, engagement: Engagement) -> list[LedgerFlag]:
    return list(session.scalars(_flags_query(engagement)))


def _flags_query(engagement: Engagement):
    return (
        select(LedgerFlag)
        .where(LedgerFlag.engagement_id == engagement.id)
        .options(joinedload(LedgerFlag.entry))
        .order_by(LedgerFlag.id)
    )


def ledger_flag_page(session: Session, engagement: Engagement, page: int, per_page: int = 100) -> Page:
    """One page of the flags (a 1,000,000-row ledger can raise tens of thousands); counted in the database."""
    return paginate(session, _flags_query(engagement), page, per_page)


def ledger_flag_rules(session: Session, engagement: Engagement) -> list[str]:
    return sorted(session.scalars(select(LedgerFlag.rule).where(LedgerFlag.engagement_id == engagement.id).distinct()))


def _total_line(lines: list[BudgetLine]) -> BudgetLine | None:
    return next((l for l in lines if "总额" in l.item or "合计" in l.item), lines[0] if lines else None)


def run_rules(session: Session, engagement: Engagement, actor: User, now: datetime) -> list[CrossCheck]:
    """The built-in rules against the current materials; each result replaces the rule's previous one."""
    ensure_can_edit(engagement, actor)
    line = _total_line(materials.budget_lines(session, engagement))
    records = ledger_records(session, engagement)
    ledger = totals(records) if records else None
    declared_rate = None
    if line is not None:
        declared_rate = (
            line.execution_rate
            if line.execution_rate is not None
            else (line.executed / line.annual_budget if line.executed is not None and line.annual_budget else None)
        )
    sa_source, ledger_source = "绩效自评表 年度资金总额", "资金台账"
    results = [
        save_check(
            session,
            engagement,
            actor,
            now,
            "execution_rate",
            RULE_LABELS["execution_rate"],
            "%",
            declared_rate,
            f"{sa_source} 执行率",
            ledger and ledger.execution_rate,
            f"{ledger_source}（拨付+支出）÷ 到位",
        ),
        save_check(
            session,
            engagement,
            actor,
            now,
            "executed_amount",
            RULE_LABELS["executed_amount"],
            "元",
            line and line.executed,
            f"{sa_source} 全年执行数",
            ledger and ledger.executed,
            f"{ledger_source} 拨付+支出合计",
        ),
        save_check(
            session,
            engagement,
            actor,
            now,
            "funds_in_place",
            RULE_LABELS["funds_in_place"],
            "元",
            line and line.annual_budget,
            f"{sa_source} 全年预算数",
            ledger and ledger.in_place,
            f"{ledger_source} 资金到位合计",
        ),
    ]
    results += sampling.list_size_checks(session, engagement, actor, now)
    results += quantities.output_quantity_checks(session, engagement, actor, now)
    results += quantities.satisfaction_checks(session, engagement, actor, now)
    count = refresh_ledger_flags(session, engagement, records)
    audit.record(
        session,
        actor=actor,
        action="crosscheck.run",
        engagement_id=engagement.id,
        now=now,
        object_type="CrossCheck",
        details={"count": len(results), "result": f"ledger flags: {count}"},
    )
    return results


def record_verified(
    session: Session,
    engagement: Engagement,
    actor: User,
    now: datetime,
    *,
    subject: str,
    declared: Decimal | None,
    declared_source: str,
    verified: Decimal,
    evidence: Evidence,
    unit: str = "",
    tolerance_abs: Decimal | None = None,
    tolerance_rel: Decimal | None = None,
    indicator_ref: str | None = None,
    note: str | None = None,
) -> CrossCheck:
    """An evaluator's verified figure (field count, survey rate, document) — always backed by evidence."""
    ensure_can_edit(engagement, actor)
    subject = (subject or "").strip()
    if not subject:
        raise CrossCheckError("请填写核实事项")
    if evidence is None or evidence.engagement_id != engagement.id or evidence.is_deleted:
        raise CrossCheckError("核实数必须附有本项目的证据")
    if verified is None:
        raise CrossCheckError("请填写核实数")
    check = save_check(
        session,
        engagement,
        actor,
        now,
        "manual",
        subject[:200],
        unit[:20],
        declared,
        declared_source[:300] or "申报数",
        verified,
        f"评价人员核实（{evidence.code}）",
        indicator_ref=indicator_ref,
        evidence=evidence,
        tolerance=(tolerance_abs, tolerance_rel),
        note=note,
    )
    audit.record(
        session,
        actor=actor,
        action="crosscheck.verify",
        obj=check,
        engagement_id=engagement.id,
        now=now,
        details={
            "name": check.subject,
            "before": str(check.declared_value),
            "after": str(verified),
            "result": check.outcome,
            "sha256": evidence.blob_sha256,
        },
    )
    return check


def cross_checks(session: Session, engagement: Engagement) -> list[CrossCheck]:
    return list(
        session.scalars(
            select(CrossCheck)
            .where(CrossCheck.engagement_id == engagement.id)
            .options(joinedload(CrossCheck.evidence))
            .order_by(CrossCheck.id)
        )
    )


def load_cross_check(session: Session, engagement: Engagement, check_id: int) -> CrossCheck:
    return load_owned(session, CrossCheck, check_id, engagement)


@dataclass(frozen=True)
class VerifiedValue:
    """What scoring needs from one cross-check: the verified figure, its basis and evidence."""

    subject: str
    rule: str
    indicator_ref: str | None
    declared: Decimal | None
    verified: Decimal | None
    unit: str
    outcome: str
    difference: Decimal | None
    basis: str
    evidence_id: int | None
    cross_check_id: int


def verified_values(session: Session, engagement: Engagement) -> dict[str, VerifiedValue]:
    """Cross-check results keyed by subject (预算执行率, 资金到位, a 三级指标 name…), for the scoring workspace."""
    return {
        c.subject: VerifiedValue(
            c.subject,
            c.rule,
            c.indicator_ref,
            c.declared_value,
            c.verified_value,
            c.unit,
            c.outcome,
            c.difference,
            f"{c.declared_source} ↔ {c.verified_source}",
            c.evidence_id,
            c.id,
        )
        for c in cross_checks(session, engagement)
    }


def ledger_summary(session: Session, engagement: Engagement) -> LedgerTotals | None:
    """The current ledger's totals by kind: as stored at import, else summed in the database (no rows loaded)."""
    material = materials.current_import(session, engagement, "ledger")
    if material is None:
        return None
    if material.totals:  # added up as the ledger streamed in
        totals = material.totals
        return (
            LedgerTotals(Decimal(totals["到位"]), Decimal(totals["拨付"]), Decimal(totals["支出"]), totals["count"])
            if totals["count"]
            else None
        )
    sums = dict.fromkeys(("到位", "拨付", "支出"), Decimal(0))
    count = 0
    for kind, amount, rows in session.execute(
        select(LedgerEntry.kind, func.sum(LedgerEntry.amount), func.count(LedgerEntry.id))
        .where(LedgerEntry.import_id == material.id)
        .group_by(LedgerEntry.kind)
    ):
        sums[kind], count = Decimal(amount or 0).quantize(Decimal("0.01")), count + rows
    return LedgerTotals(sums["到位"], sums["拨付"], sums["支出"], count) if count else None
