"""The bureau's view of issued reports: dashboard rows and summaries, shares, 结果应用 tracking.

Everything here starts from what the reader may see: a bureau user sees issued reports of engagements
their bureau commissioned; an audit-office user sees only the reports shared with them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session, joinedload

from .. import audit, formatting, policy
from ..accounts.models import Role, User
from ..engagements.models import Engagement, EvaluatedUnit
from ..engagements.service import EngagementNotFound, PermissionDenied
from ..indicators import rollup
from ..pagination import Page, paginate
from ..reporting.models import Report, ReportVersion
from .models import APPLICATION_WORKFLOW, ApplicationKind, ApplicationStatus, ReportShare, ResultApplication

MAX_TEXT = 2000


class ApplicationError(Exception):
    """Refused 结果应用 input; the message is for the user (Chinese)."""


def readable_reports(user: User) -> Select:
    """SELECT of issued reports this bureau-side user may read (evalplatform.policy decides)."""
    return policy.readable_reports(user)


def load_report_for_reader(session: Session, report_id: int, user: User) -> Report:
    report = policy.readable_report(session, user, report_id)
    if report is None:
        raise EngagementNotFound(report_id)
    return report


@dataclass
class DashboardRow:
    report: Report
    latest: ReportVersion
    open_items: int = 0
    overdue_items: int = 0

    @property
    def engagement(self) -> Engagement:
        return self.report.engagement


@dataclass
class DashboardFilters:
    year: int | None = None
    category: str = ""
    unit: str = ""

    def apply(self, query: Select) -> Select:
        if self.year:
            query = query.where(Engagement.fiscal_year == self.year)
        if self.category:
            query = query.where(Engagement.category == self.category)
        if self.unit:
            query = query.join(Engagement.evaluated_unit).where(EvaluatedUnit.name.contains(self.unit, autoescape=True))
        return query


def _latest_versions() -> Select:
    newest = (
        select(ReportVersion.report_id, func.max(ReportVersion.version).label("version"))
        .group_by(ReportVersion.report_id)
        .subquery()
    )
    return select(ReportVersion).join(
        newest, and_(ReportVersion.report_id == newest.c.report_id, ReportVersion.version == newest.c.version)
    )


def dashboard_page(
    session: Session, user: User, filters: DashboardFilters, *, page: int, per_page: int, today: date
) -> Page[DashboardRow]:
    query = (
        filters.apply(readable_reports(user))
        .options(joinedload(Report.engagement).joinedload(Engagement.evaluated_unit))
        .order_by(Engagement.fiscal_year.desc(), Report.id.desc())
    )
    reports = paginate(session, query, page, per_page)
    rows = _rows(session, reports.items, today)
    return Page(items=rows, total=reports.total, page=reports.page, per_page=reports.per_page)


def all_dashboard_rows(session: Session, user: User, filters: DashboardFilters, today: date) -> list[DashboardRow]:
    query = (
        filters.apply(readable_reports(user))
        .options(joinedload(Report.engagement).joinedload(Engagement.evaluated_unit))
        .order_by(Engagement.fiscal_year.desc(), Report.id.desc())
    )
    return _rows(session, list(session.scalars(query).unique()), today)


def _rows(session: Session, reports: list[Report], today: date) -> list[DashboardRow]:
    """Latest version and open/overdue 结果应用 counts for each report, in two queries."""
    ids = [r.id for r in reports]
    latest = {v.report_id: v for v in session.scalars(_latest_versions().where(ReportVersion.report_id.in_(ids)))}
    items = session.execute(
        select(ResultApplication.engagement_id, ResultApplication.due_date).where(
            ResultApplication.engagement_id.in_([r.engagement_id for r in reports]),
            ResultApplication.status != ApplicationStatus.done,
        )
    ).all()
    open_count = Counter(e for e, _due in items)
    overdue = Counter(e for e, due in items if due is not None and due < today)
    return [
        DashboardRow(
            report=r,
            latest=latest[r.id],
            open_items=open_count[r.engagement_id],
            overdue_items=overdue[r.engagement_id],
        )
        for r in reports
    ]


@dataclass
class DashboardSummary:
    reports: int = 0
    grades: Counter = field(default_factory=Counter)
    findings: Counter = field(default_factory=Counter)
    by_year: dict = field(default_factory=dict)  # year → (count, mean score)
    by_category: dict = field(default_factory=dict)  # category → (count, mean score)
    open_items: int = 0
    overdue_items: int = 0
    funds: Decimal = Decimal(0)  # 涉及资金: the budgets the issued reports cover (元)
    funds_by_year: dict = field(default_factory=dict)  # year → 元
    by_unit: dict = field(default_factory=dict)  # evaluated unit → (count, mean score)

    GRADES = ("优", "良", "中", "差")

    @property
    def grade_rows(self) -> list[tuple[str, int]]:
        """All four grades, even when none is in the selection (and 未评分 when there is one)."""
        extra = ("未评分",) if self.grades["未评分"] else ()
        return [(g, self.grades[g]) for g in (*self.GRADES, *extra)]


def summarize(rows: list[DashboardRow]) -> DashboardSummary:
    summary = DashboardSummary(reports=len(rows))
    groups: dict[str, dict] = {"year": {}, "category": {}, "unit": {}}
    for row in rows:
        summary.grades[row.latest.grade or "未评分"] += 1
        summary.findings.update(row.latest.findings_by_severity or {})
        summary.open_items += row.open_items
        summary.overdue_items += row.overdue_items
        facts = row.latest.as_issued["engagement"]
        budget = issued_budget(facts)
        summary.funds += budget
        summary.funds_by_year[facts["fiscal_year"]] = summary.funds_by_year.get(facts["fiscal_year"], 0) + budget
        for name, key in (
            ("year", facts["fiscal_year"]),
            ("category", facts["category"] or "其他"),
            ("unit", facts["unit"]),
        ):
            groups[name].setdefault(key, []).append(row.latest.total_score)
    summary.by_year = {k: _count_and_mean(groups["year"][k]) for k in sorted(groups["year"], reverse=True)}
    summary.by_category = {k: _count_and_mean(v) for k, v in sorted(groups["category"].items())}
    summary.by_unit = {k: _count_and_mean(v) for k, v in sorted(groups["unit"].items())}
    return summary


def dashboard_charts(summary: DashboardSummary) -> dict[str, list[tuple[str, float, str]]]:
    """Bars for the dashboard's comparisons: (label, length, figure as written) per year or unit."""

    def scores(groups: dict, suffix: str = "") -> list:
        return [
            (f"{key}{suffix}", float(mean), f"{formatting.number(mean, 1)}分（{n}份）")
            for key, (n, mean) in groups.items()
            if mean is not None
        ]

    return {
        "funds_by_year": [
            (f"{year}年", float(amount), formatting.money(amount, "万元", 0))
            for year, amount in sorted(summary.funds_by_year.items(), reverse=True)
        ],
        "score_by_year": scores(summary.by_year, "年"),
        "score_by_unit": scores(summary.by_unit),
    }


def issued_budget(facts: dict) -> Decimal:
    """The budget an issued version states (kept as "38,600,000.00")."""
    return Decimal(str(facts.get("budget_amount") or "0").replace(",", ""))


def _count_and_mean(scores: list[Decimal | None]) -> tuple[int, Decimal | None]:
    """Reports in the group, and the mean score of those that have one."""
    scored = [Decimal(s) for s in scores if s is not None]
    mean = (sum(scored) / len(scored)).quantize(Decimal("0.01")) if scored else None
    return len(scores), mean


def auditors_of(session: Session, bureau_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .where(User.role == Role.auditor, User.bureau_id == bureau_id, User.is_enabled.is_(True))
            .order_by(User.display_name)
        )
    )


def share_report(
    session: Session, report: Report, auditor_id: int, actor: User, now: datetime, note: str | None = None
) -> ReportShare:
    _ensure_bureau(actor)
    auditor = session.get(User, auditor_id)
    if auditor is None or auditor.role is not Role.auditor or auditor.bureau_id != actor.bureau_id:
        raise ApplicationError("只能共享给本财政局登记的审计部门用户")
    share = session.scalar(
        select(ReportShare).where(ReportShare.report_id == report.id, ReportShare.user_id == auditor.id)
    )
    if share is None:
        share = ReportShare(
            report_id=report.id,
            user_id=auditor.id,
            shared_by_id=actor.id,
            shared_at=now,
            note=(note or "").strip()[:200] or None,
        )
        session.add(share)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="report.share",
            obj=share,
            engagement_id=report.engagement_id,
            now=now,
            details={"username": auditor.username},
        )
    return share


@dataclass
class ApplicationInput:
    kind: str
    requirement: str
    due_date: date | None = None
    budget_change: Decimal | None = None
    responsible_unit: str | None = None


def add_application(
    session: Session, report: Report, data: ApplicationInput, actor: User, now: datetime
) -> ResultApplication:
    _ensure_bureau(actor)
    requirement = (data.requirement or "").strip()
    if not requirement or len(requirement) > MAX_TEXT:
        raise ApplicationError(f"请填写结果应用内容（不超过 {MAX_TEXT} 字）")
    if data.kind not in ApplicationKind.__members__:
        raise ApplicationError("无效的结果应用类型")
    item = ResultApplication(
        engagement_id=report.engagement_id,
        kind=ApplicationKind(data.kind),
        requirement=requirement,
        due_date=data.due_date,
        budget_change=data.budget_change,
        responsible_unit=(data.responsible_unit or "").strip()[:200] or None,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
        progress_note="",
    )
    session.add(item)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="result_application.create",
        obj=item,
        engagement_id=report.engagement_id,
        now=now,
        details={
            "after": {
                "kind": data.kind,
                "due_date": str(data.due_date or ""),
                "budget_change": str(data.budget_change or ""),
            }
        },
    )
    return item


UNCHANGED = object()


def update_application(
    session: Session,
    item: ResultApplication,
    status: str,
    progress_note: str,
    actor: User,
    now: datetime,
    *,
    responsible_unit=UNCHANGED,
    budget_change=UNCHANGED,
) -> None:
    """Edited in place on the report page: status, 整改情况, and (when given) 责任单位 and 预算调整."""
    _ensure_bureau(actor)
    if status not in ApplicationStatus.__members__:
        raise ApplicationError("无效的整改状态")
    if len(progress_note or "") > MAX_TEXT:
        raise ApplicationError(f"整改情况不超过 {MAX_TEXT} 字")
    before = {
        "status": item.status.value,
        "responsible_unit": item.responsible_unit or "",
        "budget_change": str(item.budget_change or ""),
    }
    if item.status is not ApplicationStatus(status):
        APPLICATION_WORKFLOW.move(item, status)
    item.progress_note, item.updated_at = (progress_note or "").strip(), now
    if responsible_unit is not UNCHANGED:
        item.responsible_unit = (responsible_unit or "").strip()[:200] or None
    if budget_change is not UNCHANGED:
        item.budget_change = budget_change
    item.completed_on = now.date() if item.status is ApplicationStatus.done else None
    after = {
        "status": status,
        "responsible_unit": item.responsible_unit or "",
        "budget_change": str(item.budget_change or ""),
    }
    audit.record(
        session,
        actor=actor,
        action="result_application.update",
        obj=item,
        engagement_id=item.engagement_id,
        now=now,
        details={"status_from": before["status"], "status_to": status, "before": before, "after": after},
    )


def report_ids(session: Session, engagement_ids: list[int]) -> dict[int, int]:
    """Report id per engagement, for linking 结果应用 rows to the issued report they follow from."""
    return dict(
        session.execute(select(Report.engagement_id, Report.id).where(Report.engagement_id.in_(engagement_ids))).all()
    )


def load_application(session: Session, application_id: int, user: User) -> ResultApplication:
    item = session.scalar(policy.tracked_applications(user).where(ResultApplication.id == application_id))
    if item is None:
        raise EngagementNotFound(application_id)
    return item


def applications_for(session: Session, engagement_id: int) -> list[ResultApplication]:
    return list(
        session.scalars(
            select(ResultApplication)
            .where(ResultApplication.engagement_id == engagement_id)
            .order_by(ResultApplication.id)
        )
    )


def tracked_applications(session: Session, user: User, *, overdue_only: bool, today: date) -> list[ResultApplication]:
    query = (
        policy.tracked_applications(user)
        .options(joinedload(ResultApplication.engagement))
        .order_by(ResultApplication.due_date.is_(None), ResultApplication.due_date, ResultApplication.id)
    )
    if overdue_only:
        query = query.where(ResultApplication.status != ApplicationStatus.done, ResultApplication.due_date < today)
    return list(session.scalars(query).unique())


def change_grade_scale(session: Session, actor: User, now: datetime, excellent, good, fair):
    """The bureau's own grade bands (优/良/中 lower bounds). They apply to every score computed from now on
    for its engagements; issued reports keep the grade printed in them."""
    _ensure_bureau(actor)
    before = rollup.grade_scale_for(session, actor.bureau_id)
    row = rollup.set_grade_scale(session, actor.bureau_id, excellent, good, fair)
    audit.record(
        session,
        actor=actor,
        action="bureau.grade_scale",
        obj=row,
        now=now,
        details={"before": _bands(before), "after": _bands(row)},
    )
    return row


def _bands(scale) -> list[str]:
    return [f"{Decimal(v):.1f}" for v in (scale.excellent, scale.good, scale.fair)]


def _ensure_bureau(actor: User) -> None:
    if not policy.may_record_results(actor):
        raise PermissionDenied("只有财政局用户可以执行此操作")
