"""Engagements: who may see them, creating and editing, status workflow, team and sites."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, joinedload

from .. import audit, policy
from ..accounts.models import User
from ..pagination import Page, paginate
from ..workflow import TransitionNotAllowed
from . import commissions
from .models import (
    ENGAGEMENT_FOLLOWS_REPORT,
    ENGAGEMENT_WORKFLOW,
    Engagement,
    EngagementKind,
    EngagementStatus,
    EvaluatedUnit,
    Site,
    TeamMember,
    TeamRole,
)


class EngagementNotFound(Exception):
    """Not there, or not visible to this user: both look the same from outside."""


class PermissionDenied(Exception):
    pass


class EngagementLocked(PermissionDenied):
    pass


@dataclass
class EngagementFields:
    """What an evaluator may set on an engagement (the allow-list against mass assignment)."""

    title: str
    evaluated_unit_name: str
    kind: EngagementKind
    fiscal_year: int
    budget_amount: Decimal
    funds_in_place: Decimal | None = None
    funds_spent: Decimal | None = None
    commission_id: int | None = None  # only on creation: the accepted commission it is opened under
    funding_source: str | None = None
    category: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    description: str | None = None


def visible_engagements(user: User) -> Select:
    """SELECT of the engagements whose working papers this user may open (design.md §9; evalplatform.policy)."""
    return policy.working_paper_engagements(user)


def load_engagement_for_user(
    session: Session, engagement_id: int, user: User, *, for_write: bool = False
) -> Engagement:
    engagement = session.scalar(visible_engagements(user).where(Engagement.id == engagement_id))
    if engagement is None:
        raise EngagementNotFound(engagement_id)
    if for_write:
        ensure_can_edit(engagement, user)
    return engagement


def ensure_can_edit(engagement: Engagement, user: User) -> None:
    if not user.role.is_firm_role or user.firm_id != engagement.firm_id:
        raise PermissionDenied("只有承担该项目的事务所人员可以修改")
    if engagement.is_locked:
        raise EngagementLocked("项目已归档，不能修改")


def list_engagements(
    session: Session, user: User, *, search: str = "", status: str = "", page: int = 1, per_page: int = 20
) -> Page[Engagement]:
    query = visible_engagements(user).options(joinedload(Engagement.evaluated_unit), joinedload(Engagement.bureau))
    if search:
        like = f"%{_escape_like(search.strip())}%"
        query = query.join(Engagement.evaluated_unit).where(
            or_(Engagement.title.ilike(like, escape="\\"), EvaluatedUnit.name.ilike(like, escape="\\"))
        )
    if status in EngagementStatus.__members__:
        query = query.where(Engagement.status == EngagementStatus(status))
    query = query.order_by(Engagement.fiscal_year.desc(), Engagement.id.desc())
    return paginate(session, query, page, per_page)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _evaluated_unit(session: Session, bureau_id: int, name: str) -> EvaluatedUnit:
    unit = session.scalar(select(EvaluatedUnit).where(EvaluatedUnit.bureau_id == bureau_id, EvaluatedUnit.name == name))
    if unit is None:
        unit = EvaluatedUnit(bureau_id=bureau_id, name=name)
        session.add(unit)
        session.flush()
    return unit


def create_engagement(
    session: Session, data: EngagementFields, actor: User, now: datetime, ip: str | None = None
) -> Engagement:
    if not actor.role.is_firm_role:
        raise PermissionDenied("只有事务所用户可以创建评价项目")
    commission = commissions.usable_commission(session, data.commission_id, actor)  # raises CommissionError
    engagement = Engagement(
        firm_id=actor.firm_id,
        created_by_id=actor.id,
        created_at=now,
        status=EngagementStatus.setup,
        commission=commission,
        bureau_id=commission.bureau_id,
    )
    _apply_fields(session, engagement, data)
    engagement.team.append(TeamMember(user_id=actor.id, team_role=TeamRole.lead))
    session.add(engagement)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="engagement.create",
        obj=engagement,
        engagement_id=engagement.id,
        ip=ip,
        now=now,
        details={"title": engagement.title},
    )
    return engagement


def update_engagement(
    session: Session, engagement: Engagement, data: EngagementFields, actor: User, now: datetime, ip: str | None = None
) -> list[str]:
    ensure_can_edit(engagement, actor)
    before = _snapshot(engagement)
    _apply_fields(session, engagement, data)
    session.flush()
    changed = sorted(k for k, v in _snapshot(engagement).items() if before.get(k) != v)
    if changed:
        audit.record(
            session,
            actor=actor,
            action="engagement.update",
            obj=engagement,
            engagement_id=engagement.id,
            ip=ip,
            now=now,
            details={"fields": changed},
        )
    return changed


def _apply_fields(session: Session, engagement: Engagement, data: EngagementFields) -> None:
    values = asdict(data)
    unit_name = values.pop("evaluated_unit_name").strip()
    values.pop("commission_id")  # fixed at creation; re-assignment is the bureau's (commissions.reassign)
    for key, value in values.items():
        setattr(engagement, key, value.strip() if isinstance(value, str) else value)
    engagement.evaluated_unit = _evaluated_unit(session, engagement.bureau_id, unit_name)


def _snapshot(engagement: Engagement) -> dict:
    snap = {f.name: getattr(engagement, f.name, None) for f in fields(EngagementFields) if f.name != "commission_id"}
    snap["evaluated_unit_name"] = engagement.evaluated_unit.name if engagement.evaluated_unit else None
    return {k: str(v) for k, v in snap.items()}


def change_status(
    session: Session,
    engagement: Engagement,
    wanted: EngagementStatus,
    actor: User,
    now: datetime,
    ip: str | None = None,
    reason: str | None = None,
) -> None:
    ensure_can_edit(engagement, actor)
    if not engagement.can_move_to(wanted):
        raise TransitionNotAllowed(ENGAGEMENT_WORKFLOW.name, engagement.status, wanted)
    previous = ENGAGEMENT_WORKFLOW.move(engagement, wanted)
    _record_status(session, engagement, previous, actor, now, reason, ip)


def follow_workflow(
    session: Session, engagement: Engagement, wanted: EngagementStatus, actor: User | None, now: datetime, reason: str
) -> None:
    """The engagement's status as its report's workflow moves it (报告 → 复核 → 已出具, back to 报告 when returned
    or reopened): one state, never 立项 beside an issued report. Its own moves (ENGAGEMENT_FOLLOWS_REPORT), not
    the step-by-step ones of change_status, since the report's workflow already decided."""
    if engagement.status in (wanted, EngagementStatus.archived):
        return
    previous = ENGAGEMENT_FOLLOWS_REPORT.move(engagement, wanted)
    _record_status(session, engagement, previous, actor, now, reason)


def _record_status(session, engagement, previous, actor, now, reason, ip=None) -> None:
    """The audit event of a status move, whichever workflow made it."""
    audit.record(
        session,
        actor=actor,
        action="engagement.status",
        obj=engagement,
        engagement_id=engagement.id,
        ip=ip,
        now=now,
        details={"status_from": previous.value, "status_to": engagement.status.value, "reason": reason},
    )


def start_fieldwork(session: Session, engagement: Engagement, actor: User | None, now: datetime, reason: str) -> None:
    """The first survey link or inspection moves a 立项 engagement on to its field work (实施)."""
    if engagement.status is EngagementStatus.setup:
        follow_workflow(session, engagement, EngagementStatus.fieldwork, actor, now, reason)


def add_team_member(
    session: Session, engagement: Engagement, member: User, team_role: TeamRole, actor: User, now: datetime
) -> TeamMember:
    ensure_can_edit(engagement, actor)
    if member.firm_id != engagement.firm_id:
        raise PermissionDenied("只能添加本事务所的人员")
    existing = next((m for m in engagement.team if m.user_id == member.id), None)
    if existing:
        existing.team_role = team_role
        return existing
    team_member = TeamMember(engagement=engagement, user=member, team_role=team_role)
    session.add(team_member)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="team.add",
        obj=team_member,
        engagement_id=engagement.id,
        now=now,
        details={"member": member.username, "role": team_role.value},
    )
    return team_member


def remove_team_member(
    session: Session, engagement: Engagement, team_member: TeamMember, actor: User, now: datetime
) -> None:
    ensure_can_edit(engagement, actor)
    if sum(1 for m in engagement.team if m.team_role is TeamRole.lead) == 1 and team_member.team_role is TeamRole.lead:
        raise PermissionDenied("项目至少需要一名负责人")
    audit.record(
        session,
        actor=actor,
        action="team.remove",
        obj=team_member,
        engagement_id=engagement.id,
        now=now,
        details={"member": team_member.user.username},
    )
    engagement.team.remove(team_member)
    session.flush()


def firm_colleagues(session: Session, engagement: Engagement) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .where(User.firm_id == engagement.firm_id, User.is_enabled.is_(True))
            .order_by(User.display_name)
        )
    )


def save_site(
    session: Session,
    engagement: Engagement,
    actor: User,
    now: datetime,
    *,
    name: str,
    address: str | None,
    latitude: Decimal | None,
    longitude: Decimal | None,
    site: Site | None = None,
) -> Site:
    ensure_can_edit(engagement, actor)
    if site is None:
        site = Site(engagement=engagement)
        session.add(site)
    site.name, site.address, site.latitude, site.longitude = name.strip(), address, latitude, longitude
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="site.save",
        obj=site,
        engagement_id=engagement.id,
        now=now,
        details={"site": site.name},
    )
    return site


Owned = TypeVar("Owned")


def load_owned(
    session: Session,
    model: type[Owned],
    object_id: int,
    engagement: Engagement,
    not_found: type[Exception] | None = None,
) -> Owned:
    """An object of `model` by id, only if it belongs to this engagement; else `not_found` (EngagementNotFound
    by default), which the views answer with 404 — another engagement's objects are as absent as missing ones."""
    found = session.get(model, object_id)
    if found is None or found.engagement_id != engagement.id:
        raise (not_found or EngagementNotFound)(object_id)
    return found


def load_site(session: Session, engagement: Engagement, site_id: int) -> Site:
    return load_owned(session, Site, site_id, engagement)
