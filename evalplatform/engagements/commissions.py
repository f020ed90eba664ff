"""委托: a bureau commissions a firm (by the firm's registered name or its invitation code), or accepts a
firm's request; only an accepted commission lets the firm open an engagement that reports to that bureau.
Withdrawal and re-assignment are audited. Neither side ever browses a list of the other side's peers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit
from ..accounts.models import Bureau, Firm, Role, User
from .models import COMMISSION_WORKFLOW, Commission, CommissionStatus, Engagement

MAX_NAME = 200


class CommissionError(Exception):
    """Refused; the message is for the user (Chinese)."""


def normalized_code(text: str) -> str:
    raw = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == 8 else ""


def _find(session: Session, model, reference: str):
    """The firm or bureau by its exact registered name or its invitation code; nothing by a partial name."""
    reference = (reference or "").strip()
    if not reference:
        return None
    code = normalized_code(reference)
    found = session.scalar(select(model).where(model.name == reference))
    if found is None and code:
        found = session.scalar(select(model).where(model.invitation_code == code))
    return found


def _project(project_name: str, fiscal_year: int) -> tuple[str, int]:
    name = (project_name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise CommissionError(f"请填写项目名称（不超过 {MAX_NAME} 个字符）")
    if not isinstance(fiscal_year, int) or not 2000 <= fiscal_year <= 2100:
        raise CommissionError("预算年度应在 2000 至 2100 之间")
    return name, fiscal_year


def _record(
    session: Session, commission: Commission, actor: User | None, action: str, now: datetime, **details
) -> None:
    engagement_id = session.scalar(select(Engagement.id).where(Engagement.commission_id == commission.id))
    audit.record(
        session,
        actor=actor,
        action=f"commission.{action}",
        obj=commission,
        engagement_id=engagement_id,
        now=now,
        details={
            "title": commission.project_name,
            "name": commission.firm.name,
            "status_to": commission.status.value,
            **details,
        },
    )


def commission_firm(
    session: Session,
    bureau: Bureau,
    firm_reference: str,
    project_name: str,
    fiscal_year: int,
    actor: User | None,
    now: datetime,
    *,
    replaces: Commission | None = None,
) -> Commission:
    """The bureau engages a firm: accepted at once (the bureau's word is what links an engagement to it).
    `actor` None is the system (demo data, migrations)."""
    if actor is not None and (actor.role is not Role.bureau or actor.bureau_id != bureau.id):
        raise CommissionError("只有财政局用户可以发起委托")
    firm = _find(session, Firm, firm_reference)
    if firm is None:
        raise CommissionError("未找到该事务所：请填写其完整的登记名称或邀请码")
    name, year = _project(project_name, fiscal_year)
    commission = Commission(
        bureau_id=bureau.id,
        firm=firm,
        project_name=name,
        fiscal_year=year,
        status=CommissionStatus.accepted,
        requested_by_firm=False,
        created_at=now,
        created_by_id=getattr(actor, "id", None),
        decided_at=now,
        decided_by_id=getattr(actor, "id", None),
        replaces_id=getattr(replaces, "id", None),
    )
    session.add(commission)
    session.flush()
    _record(session, commission, actor, "create", now)
    return commission


def request_commission(
    session: Session, actor: User, bureau_reference: str, project_name: str, fiscal_year: int, now: datetime
) -> Commission:
    """The firm asks a bureau (named exactly, or by its invitation code) to commission it."""
    if not actor.role.is_firm_role:
        raise CommissionError("只有事务所用户可以申请委托")
    bureau = _find(session, Bureau, bureau_reference)
    if bureau is None:
        raise CommissionError("未找到该财政局：请填写其完整的名称或邀请码")
    name, year = _project(project_name, fiscal_year)
    commission = Commission(
        bureau=bureau,
        firm_id=actor.firm_id,
        project_name=name,
        fiscal_year=year,
        status=CommissionStatus.requested,
        requested_by_firm=True,
        created_at=now,
        created_by_id=actor.id,
    )
    session.add(commission)
    session.flush()
    _record(session, commission, actor, "request", now)
    return commission


def _move(
    session,
    commission: Commission,
    to: CommissionStatus,
    actor: User,
    now: datetime,
    action: str,
    note: str | None = None,
) -> None:
    if not commission.can_move_to(to):
        raise CommissionError("该委托当前状态下不能执行此操作")
    COMMISSION_WORKFLOW.move(commission, to)
    commission.decided_by_id, commission.decided_at = actor.id, now
    if note:
        commission.note = note
    _record(session, commission, actor, action, now, reason=note)


def _ensure_bureau_of(commission: Commission, actor: User) -> None:
    if actor.role is not Role.bureau or actor.bureau_id != commission.bureau_id:
        raise CommissionError("只有委托方财政局可以执行此操作")


def accept(session: Session, commission: Commission, actor: User, now: datetime) -> None:
    _ensure_bureau_of(commission, actor)
    _move(session, commission, CommissionStatus.accepted, actor, now, "accept")


def decline(session: Session, commission: Commission, actor: User, now: datetime, reason: str) -> None:
    _ensure_bureau_of(commission, actor)
    _move(session, commission, CommissionStatus.declined, actor, now, "decline", _reason(reason, "拒绝"))


def withdraw(session: Session, commission: Commission, actor: User, now: datetime, reason: str) -> None:
    """The bureau withdraws a commission (the firm only its own pending request). Once a report was issued
    under it, the commission stands: what was issued stays issued."""
    if actor.role.is_firm_role:
        if actor.firm_id != commission.firm_id or commission.status is not CommissionStatus.requested:
            raise CommissionError("事务所只能撤回本所尚未确认的委托申请")
    else:
        _ensure_bureau_of(commission, actor)
    engagement = _engagement_of(session, commission)
    if engagement is not None and engagement.first_issued_at is not None:
        raise CommissionError("该委托下已出具评价报告，不能撤回")
    _move(session, commission, CommissionStatus.withdrawn, actor, now, "withdraw", _reason(reason, "撤回"))


def reassign(
    session: Session, commission: Commission, firm_reference: str, actor: User, now: datetime, reason: str
) -> Commission:
    """Withdraw the commission from its firm and give the same project to another firm, both audited."""
    _ensure_bureau_of(commission, actor)
    firm = _find(session, Firm, firm_reference)
    if firm is not None and firm.id == commission.firm_id:
        raise CommissionError("改派须选择另一家事务所")
    if commission.status is CommissionStatus.accepted:
        withdraw(session, commission, actor, now, reason)
    elif commission.status is not CommissionStatus.withdrawn:
        raise CommissionError("只有已委托或已撤回的委托可以改派")
    replacement = commission_firm(
        session,
        commission.bureau,
        firm_reference,
        commission.project_name,
        commission.fiscal_year,
        actor,
        now,
        replaces=commission,
    )
    _record(
        session,
        commission,
        actor,
        "reassign",
        now,
        reason=_reason(reason, "改派"),
        after={"firm": replacement.firm.name, "commission": replacement.id},
    )
    return replacement


def _reason(reason: str, verb: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise CommissionError(f"{verb}须说明原因")
    return reason[:500]


def _engagement_of(session: Session, commission: Commission) -> Engagement | None:
    return session.scalar(select(Engagement).where(Engagement.commission_id == commission.id))


def open_commissions(session: Session, firm_id: int) -> list[Commission]:
    """Accepted commissions of this firm that no engagement uses yet: what the engagement form offers."""
    used = select(Engagement.commission_id)
    return list(
        session.scalars(
            select(Commission)
            .where(
                Commission.firm_id == firm_id,
                Commission.status == CommissionStatus.accepted,
                Commission.id.not_in(used),
            )
            .order_by(Commission.fiscal_year.desc(), Commission.id.desc())
        )
    )


def usable_commission(session: Session, commission_id: int | None, actor: User) -> Commission:
    """The commission an engagement is opened under: accepted, of the actor's firm, not used yet."""
    commission = session.get(Commission, commission_id) if commission_id else None
    if commission is None or commission.firm_id != actor.firm_id or not commission.is_accepted:
        raise CommissionError("请选择本所已获委托的项目（财政局发起或确认委托后才能建立评价项目）")
    if _engagement_of(session, commission) is not None:
        raise CommissionError("该委托已建立评价项目")
    return commission


def engagements_by_commission(session: Session, commissions: list[Commission]) -> dict[int, Engagement]:
    ids = [c.id for c in commissions]
    return {e.commission_id: e for e in session.scalars(select(Engagement).where(Engagement.commission_id.in_(ids)))}


def pending_count(session: Session, bureau_id: int) -> int:
    return (
        session.scalar(
            select(func.count(Commission.id)).where(
                Commission.bureau_id == bureau_id, Commission.status == CommissionStatus.requested
            )
        )
        or 0
    )
