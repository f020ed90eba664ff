"""Four eyes (复核): the approver must not have changed any part of the version under review.

"The version" is everything an issued report is made of — scores and rationale, findings, cross-checks,
evidence, inspections, materials, responses' validity, narrative, header and annexes — as changed since the
previous issued version. Every such change is already an audit event on the engagement's chain; this
module reads them: who changed the version (they may not approve or issue it), and what changed while it
was under review (any such change returns it to the author's side, and the review page lists it).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..accounts.models import Role, User
from ..audit.models import AuditEvent
from ..engagements import service as engagements
from ..engagements.service import PermissionDenied
from .models import ENGAGEMENT_STATUS_OF, REPORT_WORKFLOW, Report, ReportEvent, ReportStatus

# Audit actions that change what the next issued version says (prefixes end with a dot).
EDIT_ACTIONS = (
    "indicators.",
    "finding.",
    "crosscheck.",
    "sample.",
    "evidence.",
    "inspection.",
    "material.",
    "response.",
    "instrument.",
    "site.",
    "engagement.update",
    "report.section",
    "report.header",
    "report.annex",
)
EDIT_LABELS = {
    "indicators": "指标与评分",
    "finding": "问题清单",
    "crosscheck": "对照查证",
    "sample": "抽样核查",
    "evidence": "证据",
    "inspection": "现场勘查",
    "material": "申报材料",
    "response": "问卷答卷",
    "instrument": "问卷设计",
    "site": "勘查点",
    "engagement": "项目信息",
    "report": "报告正文与附件",
}
UNDER_REVIEW = (ReportStatus.submitted, ReportStatus.approved)


def is_edit(action: str) -> bool:
    return any(action == a or (a.endswith(".") and action.startswith(a)) for a in EDIT_ACTIONS)


def label(action: str) -> str:
    return EDIT_LABELS.get(action.split(".", 1)[0], action)


def _since(session: Session, engagement_id: int, action: str) -> int:
    """Seq of the newest event of this kind on the engagement's chain (0 if none)."""
    return (
        session.scalar(
            select(AuditEvent.seq)
            .where(AuditEvent.chain == audit.chain_for(engagement_id), AuditEvent.action == action)
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        )
        or 0
    )


def _edits_after(session: Session, engagement_id: int, seq: int) -> list[AuditEvent]:
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.chain == audit.chain_for(engagement_id), AuditEvent.seq > seq)
        .order_by(AuditEvent.seq)
    )
    return [e for e in events if is_edit(e.action)]


def edits_of_version(session: Session, report: Report) -> list[AuditEvent]:
    """Every change to the version being prepared: since the previous version was issued."""
    return _edits_after(session, report.engagement_id, _since(session, report.engagement_id, "report.version"))


def edits_during_review(session: Session, report: Report) -> list[AuditEvent]:
    """Changes made after the version was last submitted for review (what the review page lists)."""
    submitted = _since(session, report.engagement_id, "report.submit")
    return _edits_after(session, report.engagement_id, submitted) if submitted else []


@dataclass
class EditSummary:
    actor_id: int | None
    what: dict[str, int]

    def text(self) -> str:
        return "、".join(f"{name} {count} 处" for name, count in self.what.items())


def summary_by_actor(events: list[AuditEvent]) -> dict[int | None, EditSummary]:
    summaries: dict[int | None, EditSummary] = {}
    for event in events:
        summary = summaries.setdefault(event.actor_id, EditSummary(event.actor_id, {}))
        summary.what[label(event.action)] = summary.what.get(label(event.action), 0) + 1
    return summaries


def ensure_independent(session: Session, report: Report, actor: User) -> None:
    """Approving and issuing: a reviewer who neither wrote the report nor changed this version."""
    if actor.role not in (Role.reviewer, Role.admin):
        raise PermissionDenied("只有复核人可以执行复核操作")
    if actor.id == report.author_id:
        raise PermissionDenied("复核人不能复核自己撰写的报告")
    own = summary_by_actor(edits_of_version(session, report)).get(actor.id)
    if own is not None:
        raise PermissionDenied(
            f"您修改过本版报告的内容（{own.text()}），不能复核通过或出具；请由未参与修改的复核人复核"
        )


@audit.on_record
def _return_on_edit(session: Session, event: AuditEvent) -> None:
    """An edit while the version is under review sends it back to the author's side, recorded as a return."""
    if event.engagement_id is None or not is_edit(event.action):
        return
    report = session.scalar(select(Report).where(Report.engagement_id == event.engagement_id))
    if report is None or report.status not in UNDER_REVIEW:
        return
    comment = f"复核期间修改了{label(event.action)}，报告自动退回撰写人，须重新提交复核"
    REPORT_WORKFLOW.move(report, ReportStatus.returned)
    session.add(
        ReportEvent(
            report=report,
            action="return",
            actor_id=event.actor_id or report.author_id,
            comment=comment,
            at=event.occurred_at,
        )
    )
    audit.record(
        session,
        actor=None,
        action="report.return",
        obj=report,
        engagement_id=report.engagement_id,
        now=event.occurred_at,
        details={"status_to": ReportStatus.returned.value, "reason": comment},
    )
    engagement_follows(session, report, None, event.occurred_at)


def engagement_follows(session: Session, report: Report, actor, now) -> None:
    """The engagement's status follows the report's (立项 → … → 报告 → 复核 → 已出具)."""
    engagements.follow_workflow(
        session, report.engagement, ENGAGEMENT_STATUS_OF[report.status], actor, now, reason="报告流程"
    )
