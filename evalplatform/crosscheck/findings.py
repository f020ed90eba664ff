"""问题清单: findings from discrepancies and ledger flags, with evidence links; export and report data."""

from __future__ import annotations

from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit
from .. import formatting as fmt
from ..accounts.models import User
from ..engagements.models import Engagement
from ..engagements.service import ensure_can_edit, load_owned
from ..evidence import service as evidence_service
from ..evidence.models import Evidence, EvidenceLink
from ..materials import service as materials
from .ledger_rules import RULE_LABELS as LEDGER_RULE_LABELS
from .models import SEVERITIES, CrossCheck, Finding, LedgerFlag

SEVERITY_LABELS = {"high": "重大", "medium": "一般", "low": "轻微"}
OUTCOME_LABELS = {"consistent": "一致", "discrepancy": "不一致", "unverifiable": "无法核实"}


class FindingError(Exception):
    """Refused input; the message is for the evaluator (Chinese)."""


@dataclass
class FindingFields:
    title: str
    description: str
    severity: str = "medium"
    indicator_refs: list[str] = field(default_factory=list)
    cause: str | None = None
    recommendation: str | None = None
    unit_response: str | None = None
    suggested_deduction: Decimal | None = None

    @classmethod
    def of(cls, finding: Finding, **changes) -> FindingFields:
        """The finding's fields as they are, with `changes`."""
        return cls(**{f.name: getattr(finding, f.name) for f in dataclass_fields(cls)} | changes)

    def clean(self) -> FindingFields:
        self.title, self.description = (self.title or "").strip()[:200], (self.description or "").strip()
        if not self.title or not self.description:
            raise FindingError("问题标题和描述不能为空")
        if self.severity not in SEVERITIES:
            raise FindingError("严重程度应为 重大、一般 或 轻微")
        if self.suggested_deduction is not None and self.suggested_deduction < 0:
            raise FindingError("建议扣分不能为负数")
        self.indicator_refs = [r.strip()[:200] for r in self.indicator_refs if r and r.strip()]
        return self


def create_finding(
    session: Session,
    engagement: Engagement,
    actor: User,
    now: datetime,
    fields: FindingFields,
    *,
    cross_check: CrossCheck | None = None,
    evidence: list[Evidence] = (),
) -> Finding:
    ensure_can_edit(engagement, actor)
    fields.clean()
    audit.lock_engagement(session, engagement.id)
    number = (session.scalar(select(func.max(Finding.number)).where(Finding.engagement_id == engagement.id)) or 0) + 1
    finding = Finding(
        engagement_id=engagement.id,
        number=number,
        cross_check=cross_check,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
        **vars(fields),
    )
    session.add(finding)
    session.flush()
    for item in evidence:
        if item is not None and item.engagement_id == engagement.id:
            evidence_service.link_evidence(session, item, "finding", finding.id)
    audit.record(
        session,
        actor=actor,
        action="finding.create",
        obj=finding,
        engagement_id=engagement.id,
        now=now,
        details={"title": finding.title, "count": len(evidence)},
    )
    return finding


def update_finding(
    session: Session, engagement: Engagement, finding: Finding, actor: User, now: datetime, fields: FindingFields
) -> Finding:
    ensure_can_edit(engagement, actor)
    fields.clean()
    changed = sorted(k for k, v in vars(fields).items() if getattr(finding, k) != v)
    for key, value in vars(fields).items():
        setattr(finding, key, value)
    finding.updated_at = now
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="finding.update",
        obj=finding,
        engagement_id=engagement.id,
        now=now,
        details={"title": finding.title, "fields": changed},
    )
    return finding


def finding_from_cross_check(
    session: Session, engagement: Engagement, check: CrossCheck, actor: User, now: datetime, severity: str = "medium"
) -> Finding:
    """A discrepancy becomes a finding citing both figures; its evidence and the source files are linked."""
    if check.outcome != "discrepancy":
        raise FindingError("只有核实不一致的事项才能生成问题")
    fields = FindingFields(
        title=f"{check.subject}申报数与核实数不一致",
        description=(
            f"{check.declared_source}为 {shown_value(check.declared_value, check.unit)}，"
            f"{check.verified_source}为 {shown_value(check.verified_value, check.unit)}，"
            f"差异 {shown_value(check.difference, check.unit)}，超出允许误差。"
        ),
        severity=severity,
        indicator_refs=[check.indicator_ref] if check.indicator_ref else [],
        recommendation=(
            f"{check.subject}的申报数与核实数不一致：查明差异原因，按核实数更正申报和自评数据，"
            "补充相关佐证材料，并完善数据填报的复核程序。"
        ),
    )
    return create_finding(
        session,
        engagement,
        actor,
        now,
        fields,
        cross_check=check,
        evidence=[check.evidence, *_source_evidence(session, engagement, check.rule)],
    )


def finding_from_ledger_flags(
    session: Session, engagement: Engagement, rule: str, actor: User, now: datetime, severity: str = "medium"
) -> Finding:
    flags = list(
        session.scalars(
            select(LedgerFlag)
            .where(LedgerFlag.engagement_id == engagement.id, LedgerFlag.rule == rule)
            .order_by(LedgerFlag.id)
        )
    )
    if not flags:
        raise FindingError("该规则没有标记任何台账记录")
    rows = "；".join(
        f"第 {f.entry.row_number} 行 凭证 {f.entry.voucher_no} {f.entry.amount:,.2f} 元：{f.detail}" for f in flags[:50]
    )
    more = f"；另有 {len(flags) - 50} 笔" if len(flags) > 50 else ""
    fields = FindingFields(
        title=f"资金台账：{LEDGER_RULE_LABELS[rule]}（{len(flags)} 笔）",
        description=rows + more,
        severity=severity,
        recommendation=(
            f"逐笔核查被标记的 {len(flags)} 笔支出，补齐审批、合同和验收手续，"
            "不合规支出予以纠正，并健全资金支付审核制度。"
        ),
    )
    return create_finding(
        session, engagement, actor, now, fields, evidence=_source_evidence(session, engagement, "ledger")
    )


def _source_evidence(session: Session, engagement: Engagement, rule: str) -> list[Evidence]:
    kinds = {
        "execution_rate": ("self_assessment", "ledger"),
        "executed_amount": ("self_assessment", "ledger"),
        "funds_in_place": ("self_assessment", "ledger"),
        "ledger": ("ledger",),
    }.get(rule, ())
    imports = [materials.current_import(session, engagement, kind) for kind in kinds]
    return [m.evidence for m in imports if m is not None]


def shown_value(value, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "%":
        return fmt.percent(value, 2, fraction=True)
    return f"{fmt.number(value, 2)} {unit}".strip()


def findings(session: Session, engagement: Engagement) -> list[Finding]:
    return list(session.scalars(select(Finding).where(Finding.engagement_id == engagement.id).order_by(Finding.number)))


def load_finding(session: Session, engagement: Engagement, finding_id: int) -> Finding:
    return load_owned(session, Finding, finding_id, engagement)


def finding_evidence(session: Session, engagement: Engagement) -> dict[int, list[Evidence]]:
    """Evidence linked to each finding of the engagement (tombstoned evidence left out)."""
    rows = session.execute(
        select(EvidenceLink.target_id, Evidence)
        .join(Evidence)
        .where(
            EvidenceLink.target_type == "finding",
            Evidence.engagement_id == engagement.id,
            Evidence.deleted_at.is_(None),
        )
        .order_by(Evidence.number)
    )
    linked: dict[int, list[Evidence]] = {}
    for finding_id, evidence in rows:
        linked.setdefault(finding_id, []).append(evidence)
    return linked


FINDINGS_HEADER = [
    "编号",
    "问题",
    "问题描述",
    "严重程度",
    "相关指标",
    "原因分析",
    "整改建议",
    "被评价单位反馈",
    "建议扣分",
    "证据",
]


def findings_table(session: Session, engagement: Engagement) -> list[list]:
    """问题清单 rows, as in the XLSX export and the report annex."""
    linked = finding_evidence(session, engagement)
    return [
        [
            f.code,
            f.title,
            f.description,
            SEVERITY_LABELS[f.severity],
            "、".join(f.indicator_refs),
            f.cause or "",
            f.recommendation or "",
            f.unit_response or "",
            f.suggested_deduction if f.suggested_deduction is not None else "",
            "、".join(e.code for e in linked.get(f.id, [])),
        ]
        for f in findings(session, engagement)
    ]
