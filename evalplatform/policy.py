"""Who may see what (design.md §9): the one place that answers "may this user see this object".

Two kinds of reader, and nothing crosses between them:

- The firm's people work on an engagement's working papers (工作底稿: indicators, questionnaires and their
  individual responses, evidence, materials, cross-checks, findings, report drafts, the audit log): the firm
  admin on every engagement of the firm, everyone else on the engagements whose team they are on.
- The bureau (财政局) and its audit office (审计) read results *as issued*: the issued report versions (PDF,
  Excel annex, content hash, and the scores, grade, survey aggregates and findings frozen in the version),
  the evidence originals the firm attached to an issued version as annexes, and the 结果应用 / 整改 items —
  only of engagements their bureau commissioned under an accepted commission, and only once a first version
  is issued. The audit office sees only the reports the bureau shared with it.

Views load objects through these functions (or web.get_or_404, which asks may_see) and answer 404 when
they say no: an object the user may not see is indistinguishable from one that does not exist. Templates
never decide. docs/security.md has the same rules as a table; tests/reliability/test_disclosure.py walks
every route with every role against them.
"""

from __future__ import annotations

from sqlalchemy import Select, exists, false, select
from sqlalchemy.orm import Session

from .accounts.models import Role, User
from .bureau.models import ReportShare, ResultApplication
from .engagements.models import Commission, CommissionStatus, Engagement, TeamMember
from .evidence.models import Evidence
from .questionnaires.models import Response
from .reporting.models import RenderJob, Report, ReportAnnex, ReportVersion

# --- the firm's working papers -----------------------------------------------------------------------


def working_paper_engagements(user: User) -> Select:
    """SELECT of the engagements whose working papers this user may open (none for the bureau side)."""
    query = select(Engagement)
    if not user.role.is_firm_role:
        return query.where(false())
    query = query.where(Engagement.firm_id == user.firm_id)
    if user.role is Role.admin:
        return query
    on_team = exists().where(TeamMember.engagement_id == Engagement.id, TeamMember.user_id == user.id)
    return query.where(on_team)


def may_open_working_papers(session: Session, user: User, engagement_id: int) -> bool:
    return (
        session.scalar(
            working_paper_engagements(user).with_only_columns(Engagement.id).where(Engagement.id == engagement_id)
        )
        is not None
    )


# --- results as issued -------------------------------------------------------------------------------


def readable_reports(user: User) -> Select:
    """SELECT of the reports whose issued versions this bureau-side user may read."""
    query = (
        select(Report)
        .join(Report.engagement)
        .join(Commission, Engagement.commission_id == Commission.id)
        .where(Report.issued_versions > 0, Commission.status == CommissionStatus.accepted)
    )
    if user.role is Role.bureau:
        return query.where(Commission.bureau_id == user.bureau_id)
    if user.role is Role.auditor:
        shared = exists().where(ReportShare.report_id == Report.id, ReportShare.user_id == user.id)
        return query.where(Commission.bureau_id == user.bureau_id, shared)
    return query.where(false())


def readable_report(session: Session, user: User, report_id: int) -> Report | None:
    return session.scalar(readable_reports(user).where(Report.id == report_id))


def readable_report_of(session: Session, user: User, engagement_id: int) -> Report | None:
    return session.scalar(readable_reports(user).where(Report.engagement_id == engagement_id))


def may_read_issued(session: Session, user: User, report: Report) -> bool:
    """Issued versions: the bureau side through readable_reports, the firm through its working papers."""
    if user.role.is_bureau_side:
        return readable_report(session, user, report.id) is not None
    return report.issued_versions > 0 and may_open_working_papers(session, user, report.engagement_id)


def issued_file(session: Session, user: User, report: Report, version: int, kind: str) -> Evidence | None:
    """The PDF or Excel annex of an issued version, if this user may read the report's issued versions."""
    issued = next((v for v in report.versions if v.version == version), None)
    if issued is None or kind not in ("pdf", "xlsx") or not may_read_issued(session, user, report):
        return None
    return session.get(Evidence, issued.pdf_evidence_id if kind == "pdf" else issued.xlsx_evidence_id)


def issued_annex(session: Session, user: User, report: Report, version: int, evidence_id: int) -> Evidence | None:
    """An evidence original the firm attached to this issued version; nothing else of the evidence locker."""
    if not may_read_issued(session, user, report):
        return None
    attached = session.scalar(
        select(ReportAnnex).where(
            ReportAnnex.report_id == report.id, ReportAnnex.version == version, ReportAnnex.evidence_id == evidence_id
        )
    )
    return session.get(Evidence, evidence_id) if attached is not None else None


def tracked_applications(user: User) -> Select:
    """SELECT of the 结果应用 items this bureau-side user may read: those of reports it may read."""
    readable = readable_reports(user).with_only_columns(Report.engagement_id)
    return select(ResultApplication).where(ResultApplication.engagement_id.in_(readable))


def may_record_results(user: User) -> bool:
    """Only the bureau itself records 结果应用, shares with its audit office and sets grade bands."""
    return user.role is Role.bureau


# --- commissions -------------------------------------------------------------------------------------


def visible_commissions(user: User) -> Select:
    """The bureau sees the commissions it gave or was asked for; the firm those it received or asked for.
    Neither ever sees a list of the other side's counterparts."""
    query = select(Commission)
    if user.role is Role.bureau:
        return query.where(Commission.bureau_id == user.bureau_id)
    if user.role.is_firm_role:
        return query.where(Commission.firm_id == user.firm_id)
    return query.where(false())


# --- one question for get_or_404 ---------------------------------------------------------------------


def may_see(session: Session, user: User, obj) -> bool:
    """May this user see this object? Engagement-owned objects follow their engagement's working papers;
    reports, versions and 结果应用 are read as issued by the bureau side."""
    if not getattr(user, "is_authenticated", False):
        return False
    if isinstance(obj, User):  # the firm's user accounts: its admin manages them; to anyone else an id names nothing
        return user.role is Role.admin and obj.firm_id == user.firm_id
    if isinstance(obj, Engagement):
        return may_open_working_papers(session, user, obj.id)
    if isinstance(obj, Commission):
        return session.scalar(visible_commissions(user).where(Commission.id == obj.id)) is not None
    if isinstance(obj, Report):
        return (
            may_read_issued(session, user, obj)
            if user.role.is_bureau_side
            else may_open_working_papers(session, user, obj.engagement_id)
        )
    if isinstance(obj, ReportVersion):
        return may_read_issued(session, user, obj.report)
    if isinstance(obj, Response):  # one respondent's answers: working papers of the distribution's engagement
        return may_open_working_papers(session, user, obj.distribution.engagement_id)
    if isinstance(obj, RenderJob):  # a draft rendering: working papers, as its report's drafts are
        report = session.get(Report, obj.report_id)
        return report is not None and may_open_working_papers(session, user, report.engagement_id)
    if isinstance(obj, ResultApplication):
        return session.scalar(tracked_applications(user).where(ResultApplication.id == obj.id)) is not None
    engagement_id = getattr(obj, "engagement_id", None)
    return engagement_id is not None and may_open_working_papers(session, user, engagement_id)
