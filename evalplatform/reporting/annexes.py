"""Annexes: evidence originals the firm attaches to the version it is preparing (随报告提供的证据原件).
Issuing stamps them with the version; from then on, and only for them, the bureau side may download the
original (evalplatform.policy.issued_annex). Attaching or removing one is an edit of the version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from .. import audit
from ..accounts.models import User
from ..evidence.models import Evidence
from .models import Report, ReportAnnex


class AnnexError(Exception):
    """Refused; the message is for the user (Chinese)."""


def pending(session: Session, report: Report) -> list[Evidence]:
    """The annexes of the version being prepared, in evidence order."""
    return list(
        session.scalars(
            select(Evidence)
            .join(ReportAnnex, ReportAnnex.evidence_id == Evidence.id)
            .where(ReportAnnex.report_id == report.id, ReportAnnex.version.is_(None))
            .order_by(Evidence.number)
        )
    )


def issued(session: Session, report: Report) -> dict[int, list[Evidence]]:
    """version → the annexes issued with it."""
    rows = session.scalars(
        select(ReportAnnex)
        .options(joinedload(ReportAnnex.evidence))
        .where(ReportAnnex.report_id == report.id, ReportAnnex.version.is_not(None))
        .order_by(ReportAnnex.id)
    )
    result: dict[int, list[Evidence]] = {}
    for annex in rows:
        result.setdefault(annex.version, []).append(annex.evidence)
    return result


def row(evidence: Evidence) -> dict:
    """How an annex appears in the issued content (and so under its hash)."""
    return {
        "code": evidence.code,
        "name": evidence.original_filename,
        "sha256": evidence.blob_sha256,
        "size": evidence.size,
    }


def attach(session: Session, report: Report, evidence: Evidence, actor: User, now: datetime) -> None:
    if evidence.engagement_id != report.engagement_id or evidence.is_deleted:
        raise AnnexError("只能附送本项目未删除的证据")
    if any(e.id == evidence.id for e in pending(session, report)):
        return
    session.add(ReportAnnex(report_id=report.id, evidence_id=evidence.id, added_by_id=actor.id, added_at=now))
    session.flush()
    _record(session, report, evidence, actor, now, "attached")


def detach(session: Session, report: Report, evidence: Evidence, actor: User, now: datetime) -> None:
    annex = session.scalar(
        select(ReportAnnex).where(
            ReportAnnex.report_id == report.id, ReportAnnex.version.is_(None), ReportAnnex.evidence_id == evidence.id
        )
    )
    if annex is None:
        return
    session.delete(annex)
    session.flush()
    _record(session, report, evidence, actor, now, "detached")


def _record(session, report, evidence, actor, now, result: str) -> None:
    audit.record(
        session,
        actor=actor,
        action="report.annex",
        obj=report,
        engagement_id=report.engagement_id,
        now=now,
        details={"filename": evidence.original_filename, "sha256": evidence.blob_sha256, "result": result},
    )


def stamp(session: Session, report: Report, version: int) -> None:
    for annex in session.scalars(
        select(ReportAnnex).where(ReportAnnex.report_id == report.id, ReportAnnex.version.is_(None))
    ):
        annex.version = version


def carry_over(session: Session, report: Report, actor: User, now: datetime) -> None:
    """A reopened report starts with the annexes of its last issued version."""
    for evidence in issued(session, report).get(report.issued_versions, []):
        if not evidence.is_deleted:
            session.add(ReportAnnex(report_id=report.id, evidence_id=evidence.id, added_by_id=actor.id, added_at=now))
    session.flush()
