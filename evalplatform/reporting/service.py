"""Reports: narrative editing, the review workflow (复核), draft rendering jobs and issuance."""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit, formatting
from ..accounts.models import Role, User
from ..audit.models import AuditEvent
from ..db import make_engine
from ..engagements.models import Engagement
from ..engagements.service import PermissionDenied, ensure_can_edit
from ..evidence.service import store_upload
from ..evidence.store import BlobStore
from ..integrity import sha256_hex
from . import annexes, drafting, readiness, review
from .assembly import RenderFailed, assemble, canonical_content, content_sha256
from .models import (
    NARRATIVE_SECTIONS,
    RENDER_JOB_WORKFLOW,
    REPORT_WORKFLOW,
    RenderJob,
    RenderJobStatus,
    Report,
    ReportEvent,
    ReportSection,
    ReportStatus,
    ReportVersion,
)
from .render import report_pdf, report_xlsx

MAX_SECTION_CHARS = 20_000
S = ReportStatus


class ReportError(Exception):
    """Refused action; the message is for the user (Chinese)."""


class NotReady(ReportError):
    """Submitting or issuing refused: the readiness checklist still lists what is missing."""

    def __init__(self, problems: list):
        self.problems = problems
        shown = "；".join(str(p) for p in problems[:5]) + ("等" if len(problems) > 5 else "")
        super().__init__(f"报告尚不完整，共 {len(problems)} 项待补充：{shown}")


def ensure_ready(session: Session, report: Report, actor: User, now: datetime, override_reason: str | None) -> None:
    """The gate before 提交复核 and 签发: nothing missing — or the partner overrides, if the firm allows it,
    with a reason kept in the report's history and on the audit chain together with what was missing."""
    found = readiness.problems(session, report)
    reason = (override_reason or "").strip()
    if not found:
        return
    if not reason:
        raise NotReady(found)
    if actor.role not in (Role.reviewer, Role.admin) or not report.engagement.firm.allows_readiness_override:
        raise NotReady(found)  # only the partner of a firm that allows it may override
    missing = [str(p) for p in found]
    session.add(ReportEvent(report=report, action="override", actor_id=actor.id, comment=reason, at=now))
    audit.record(
        session,
        actor=actor,
        action="report.override",
        obj=report,
        engagement_id=report.engagement_id,
        now=now,
        details={"reason": reason, "missing": missing},
    )


def report_for(session: Session, engagement: Engagement) -> Report | None:
    return session.scalar(select(Report).where(Report.engagement_id == engagement.id))


def start_report(session: Session, engagement: Engagement, actor: User, now: datetime) -> Report:
    ensure_can_edit(engagement, actor)
    report = report_for(session, engagement)
    if report is None:
        report = Report(
            engagement=engagement,
            title=f"{engagement.title}报告" if not engagement.title.endswith("报告") else engagement.title,
            author_id=actor.id,
            created_at=now,
        )
        session.add(report)
        session.flush()
        audit.record(session, actor=actor, action="report.create", obj=report, engagement_id=engagement.id, now=now)
        review.engagement_follows(session, report, actor, now)
    return report


def save_section(session: Session, report: Report, key: str, body: str, actor: User, now: datetime) -> ReportSection:
    _ensure_editable(report, actor)
    if key not in NARRATIVE_SECTIONS:
        raise ReportError("未知的报告章节")
    if len(body) > MAX_SECTION_CHARS:
        raise ReportError(f"本章节不超过 {MAX_SECTION_CHARS} 字")
    section = next((s for s in report.sections if s.key == key), None) or _new_section(session, report, key)
    if section.body != body:
        section.body, section.updated_at, section.updated_by_id = body, now, actor.id
        session.flush()
        _record_edit(session, report, actor, now, "report.section", key, len(body))
    return section


def _new_section(session: Session, report: Report, key: str) -> ReportSection:
    """The section's row; two saves of its first text from two tabs may race to make it: the second then finds
    the row the first made (committed by then: the unique key made this insert wait for it)."""
    try:
        with session.begin_nested():
            session.add(ReportSection(report_id=report.id, key=key))
    except IntegrityError:
        pass
    session.expire(report, ["sections"])
    return next(s for s in report.sections if s.key == key)


def generate_drafts(
    session: Session, report: Report, store: BlobStore, actor: User, now: datetime, *, firm_name: str
) -> list[str]:
    """生成初稿: write the data-made draft into every narrative section that is still empty (never over text
    someone wrote); returns the keys filled."""
    _ensure_editable(report, actor)
    drafts = drafting.draft_sections(assemble(session, report, store, firm_name=firm_name, now=now))
    filled = [key for key in NARRATIVE_SECTIONS if not report.section_text(key).strip()]
    for key in filled:
        save_section(session, report, key, drafts[key], actor, now)
    return filled


def _record_edit(
    session: Session, report: Report, actor: User, now: datetime, action: str, name: str, count: int | None = None
) -> None:
    """Audit a narrative edit (four eyes needs to know who wrote what), but one event per run of autosaves:
    the same person saving the same section again right after adds nothing."""
    chain = audit.chain_for(report.engagement_id)
    audit.lock_engagement(session, report.engagement_id)
    last = session.scalar(select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq.desc()).limit(1))
    if last is not None and last.action == action and last.actor_id == actor.id and last.details.get("name") == name:
        return
    audit.record(
        session,
        actor=actor,
        action=action,
        obj=report,
        engagement_id=report.engagement_id,
        now=now,
        details={"name": name, "count": count},
    )


def update_header(
    session: Session, report: Report, title: str, number: str | None, actor: User, now: datetime | None = None
) -> None:
    _ensure_editable(report, actor)
    title, number = title.strip(), (number or "").strip() or None
    if (title, number) != (report.title, report.number):
        report.title, report.number = title, number
        _record_edit(session, report, actor, now or datetime.now(timezone.utc), "report.header", title)


def attach_annex(session: Session, report: Report, evidence, actor: User, now: datetime) -> None:
    _ensure_editable(report, actor)
    annexes.attach(session, report, evidence, actor, now)


def detach_annex(session: Session, report: Report, evidence, actor: User, now: datetime) -> None:
    _ensure_editable(report, actor)
    annexes.detach(session, report, evidence, actor, now)


def _ensure_editable(report: Report, actor: User) -> None:
    ensure_can_edit(report.engagement, actor)
    if not report.is_editable:
        raise ReportError("报告已提交复核或已出具，不能修改")


def _transition(session, report, actor, now, allowed_from, to, action, comment=None) -> None:
    ensure_can_edit(report.engagement, actor)
    if report.status not in allowed_from:
        raise ReportError("当前状态下不能执行此操作")
    REPORT_WORKFLOW.move(report, to)
    session.add(ReportEvent(report=report, action=action, actor_id=actor.id, comment=comment, at=now))
    audit.record(
        session,
        actor=actor,
        action=f"report.{action}",
        obj=report,
        engagement_id=report.engagement_id,
        now=now,
        details={"status_to": to.value, "reason": comment},
    )
    review.engagement_follows(session, report, actor, now)


def _ensure_reviewer(report: Report, actor: User) -> None:
    if actor.role not in (Role.reviewer, Role.admin):
        raise PermissionDenied("只有复核人可以执行复核操作")
    if actor.id == report.author_id:
        raise PermissionDenied("复核人不能复核自己撰写的报告")


def submit(session, report, actor, now, override_reason: str | None = None) -> None:
    if report.status in (S.draft, S.returned):
        ensure_ready(session, report, actor, now, override_reason)
    _transition(session, report, actor, now, {S.draft, S.returned}, S.submitted, "submit")


def return_for_changes(session, report, actor, now, comment: str) -> None:
    _ensure_reviewer(report, actor)
    if not (comment or "").strip():
        raise ReportError("退回时必须填写复核意见")
    _transition(session, report, actor, now, {S.submitted}, S.returned, "return", comment.strip())


def approve(session, report, actor, now) -> None:
    review.ensure_independent(session, report, actor)
    _transition(session, report, actor, now, {S.submitted}, S.approved, "approve")


def reopen(session, report, actor, now, reason: str) -> None:
    """Start work on the next version of an issued report; the issued versions stay as they are, and the
    last version's annexes are carried over to the new one (the firm may change them)."""
    if not (reason or "").strip():
        raise ReportError("重新出具必须说明原因")
    _transition(session, report, actor, now, {S.issued}, S.draft, "reopen", reason.strip())
    annexes.carry_over(session, report, actor, now)


def issue(
    session: Session,
    report: Report,
    store: BlobStore,
    actor: User,
    now: datetime,
    *,
    firm_name: str,
    override_reason: str | None = None,
) -> ReportVersion:
    """Render the final PDF and XLSX, store both as evidence, and freeze them as the next version, with the
    engagement's audit chain head printed in it (docs/security.md: anchoring)."""
    review.ensure_independent(session, report, actor)
    if report.status is not S.approved:
        raise ReportError("报告须经复核通过后才能出具")
    if not report.engagement.commission.is_accepted:
        raise ReportError("该项目的委托已撤回，不能出具报告")
    ensure_ready(session, report, actor, now, override_reason)
    version_number = report.issued_versions + 1
    chain = audit.chain_for(report.engagement_id)
    anchor_seq, anchor_hash = audit.chain_head(session, chain)
    try:  # everything that can fail on the report's content, before any state changes
        content = assemble(session, report, store, firm_name=firm_name, now=now)
        content["annexes"] = [annexes.row(e) for e in annexes.pending(session, report)]
        content["audit_anchor"] = {"chain": chain, "seq": anchor_seq, "hash": anchor_hash}
        canonical = canonical_content(content)
        digest = sha256_hex(canonical)
        pdf, pages = report_pdf(content, str(store.root), draft=False, version=version_number, content_sha256=digest)
        xlsx = report_xlsx(content)
    except RenderFailed as error:
        raise ReportError(str(error)) from error
    # Issued before its files are stored: storing them is the issuance, not an edit of a version under review.
    reason = next((e.comment for e in reversed(report.events) if e.action == "reopen"), None)
    _transition(session, report, actor, now, {S.approved}, S.issued, "issue", reason)
    # The title stays as written inside the documents; the files get a name safe on every system.
    stem = f"{formatting.filename_stem(report.title)}-第{version_number}版"
    pdf_evidence = _store(session, store, report, actor, now, pdf, f"{stem}.pdf")
    xlsx_evidence = _store(session, store, report, actor, now, xlsx, f"{stem}-附表.xlsx")
    version = ReportVersion(
        report=report,
        version=version_number,
        issued_at=now,
        issued_by_id=actor.id,
        reason=reason,
        content_sha256=digest,
        pdf_evidence_id=pdf_evidence.id,
        xlsx_evidence_id=xlsx_evidence.id,
        pages=pages,
        content=canonical,
        anchor_seq=anchor_seq,
        anchor_hash=anchor_hash,
        **_headline(content),
    )
    session.add(version)
    report.issued_versions = version_number
    annexes.stamp(session, report, version_number)
    report.engagement.first_issued_at = report.engagement.first_issued_at or now
    audit.record(
        session,
        actor=actor,
        action="report.version",
        obj=version,
        engagement_id=report.engagement_id,
        now=now,
        details={
            "version": version_number,
            "sha256": digest,
            "after": {"pdf": pdf_evidence.blob_sha256, "xlsx": xlsx_evidence.blob_sha256},
        },
    )
    return version


def _headline(content: dict) -> dict:
    scoring = content.get("scoring") or {}
    severities: dict[str, int] = {}
    for finding in content.get("findings") or []:
        severities[finding["severity"]] = severities.get(finding["severity"], 0) + 1
    total = scoring.get("total")
    return {
        "total_score": Decimal(total) if total not in (None, "—") else None,
        "grade": scoring.get("grade"),
        "findings_by_severity": severities,
    }


def _store(session, store, report, actor, now, data: bytes, filename: str):
    return store_upload(
        session,
        store,
        report.engagement,
        actor,
        now,
        stream=io.BytesIO(data),
        filename=filename,
        max_bytes=len(data) + 1,
        tags=["评价报告"],
    ).evidence


def create_render_job(session: Session, report: Report, now: datetime) -> RenderJob:
    job = RenderJob(
        id=str(uuid.uuid4()), report_id=report.id, status=RenderJobStatus.queued, progress=0, created_at=now
    )
    session.add(job)
    session.flush()
    return job


def run_render_job(database_url: str, storage_dir: str, job_id: str, firm_name: str) -> None:
    """A draft rendering, in a worker or inline: its own session, progress committed as it goes."""
    engine = make_engine(database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            job = session.get(RenderJob, job_id)
            _progress(session, job, RenderJobStatus.running, 10)
            report = session.get(Report, job.report_id)
            store = BlobStore(storage_dir)
            try:
                content = assemble(session, report, store, firm_name=firm_name, now=datetime.now(timezone.utc))
                _progress(session, job, RenderJobStatus.running, 40)
                pdf, pages = report_pdf(
                    content, storage_dir, draft=True, version=None, content_sha256=content_sha256(content)
                )
                blob = store.put(io.BytesIO(pdf), max_bytes=len(pdf) + 1)
            except Exception as error:  # noqa: BLE001 - the job records any failure for the UI
                job.error = f"{type(error).__name__}: {error}"[:500]
                _progress(session, job, RenderJobStatus.failed, 100)
                raise
            job.pdf_sha256, job.pages, job.finished_at = blob.sha256, pages, datetime.now(timezone.utc)
            _progress(session, job, RenderJobStatus.done, 100)
    finally:
        engine.dispose()


def _progress(session: Session, job: RenderJob, status: RenderJobStatus, progress: int) -> None:
    if job.status != status:
        RENDER_JOB_WORKFLOW.move(job, status)
    job.progress = progress
    session.commit()
