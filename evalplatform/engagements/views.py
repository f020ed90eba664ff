"""Engagement pages: list, create, view, edit, status, team and sites."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.models import User
from ..db import db
from ..web import client_ip, error_page, get_or_404, now_utc, transaction
from . import commissions, service
from .forms import STATUS_LABELS, TEAM_ROLE_LABELS, DeleteForm, EngagementForm, SiteForm, StatusForm, TeamMemberForm
from .models import ALLOWED_TRANSITIONS, EngagementKind, EngagementStatus, TeamMember, TeamRole

bp = Blueprint("engagements", __name__, template_folder="templates", url_prefix="/engagements")


def _load(engagement_id: int, for_write: bool = False):
    return service.load_engagement_for_user(db.session, engagement_id, current_user, for_write=for_write)


@bp.get("")
@login_required
def list_engagements():
    if not current_user.role.is_firm_role:
        abort(404)  # a role gate, no id: the bureau side reads issued results in its portal, not the firm's list
    page = service.list_engagements(
        db.session,
        current_user,
        search=request.args.get("q", "")[:100],
        status=request.args.get("status", ""),
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PAGE_SIZE"],
    )
    return render_template("engagements/list.html", page=page, statuses=STATUS_LABELS)


def _engagement_form(obj=None) -> EngagementForm:
    form = EngagementForm(obj=obj)
    if obj is None:
        form.commission_id.choices = [
            (c.id, f"{c.bureau.name} · {c.fiscal_year} · {c.project_name}")
            for c in commissions.open_commissions(db.session, current_user.firm_id)
        ]
    else:
        del form.commission_id  # fixed at creation
    if obj is not None and request.method == "GET":
        form.evaluated_unit_name.data = obj.evaluated_unit.name
        form.kind.data = obj.kind.value
    return form


def _fields_from(form: EngagementForm) -> service.EngagementFields:
    return service.EngagementFields(
        title=form.title.data,
        evaluated_unit_name=form.evaluated_unit_name.data,
        kind=EngagementKind(form.kind.data),
        fiscal_year=form.fiscal_year.data,
        budget_amount=form.budget_amount.data,
        funds_in_place=form.funds_in_place.data,
        funds_spent=form.funds_spent.data,
        commission_id=form.commission_id.data if hasattr(form, "commission_id") else None,
        funding_source=form.funding_source.data or None,
        category=form.category.data or None,
        period_start=form.period_start.data,
        period_end=form.period_end.data,
        description=form.description.data or None,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    if not current_user.role.is_firm_role:
        abort(403)
    form = _engagement_form()
    if request.method == "GET" and not form.commission_id.choices:
        flash(_("尚无可用的委托：财政局在平台上发起委托（或确认本所的委托申请）后，才能建立评价项目。"), "info")
        return redirect(url_for("commissions.index"))
    if form.validate_on_submit():
        try:
            with transaction():
                engagement = service.create_engagement(
                    db.session, _fields_from(form), current_user, now_utc(), client_ip()
                )
        except commissions.CommissionError as error:
            form.commission_id.errors = [str(error)]
        else:
            flash(_("评价项目已创建。"), "success")
            return redirect(url_for(".detail", engagement_id=engagement.id))
    return render_template("engagements/form.html", form=form, engagement=None), 422 if form.errors else 200


@bp.get("/<int:engagement_id>")
@login_required
def detail(engagement_id: int):
    engagement = _load(engagement_id)
    team_form = TeamMemberForm()
    team_form.user_id.choices = (
        [(u.id, u.display_name) for u in service.firm_colleagues(db.session, engagement)]
        if current_user.role.is_firm_role
        else []
    )
    return render_template(
        "engagements/detail.html",
        engagement=engagement,
        status_form=StatusForm(),
        next_statuses=sorted(ALLOWED_TRANSITIONS[engagement.status], key=lambda s: list(EngagementStatus).index(s)),
        statuses=STATUS_LABELS,
        team_roles=TEAM_ROLE_LABELS,
        team_form=team_form,
        site_form=SiteForm(),
        delete_form=DeleteForm(),
        can_edit=current_user.role.is_firm_role and not engagement.is_locked,
    )


@bp.route("/<int:engagement_id>/edit", methods=["GET", "POST"])
@login_required
def edit(engagement_id: int):
    engagement = _load(engagement_id, for_write=True)
    form = _engagement_form(obj=engagement)
    if form.validate_on_submit():
        with transaction():
            service.update_engagement(db.session, engagement, _fields_from(form), current_user, now_utc(), client_ip())
        flash(_("已保存。"), "success")
        return redirect(url_for(".detail", engagement_id=engagement.id))
    return render_template("engagements/form.html", form=form, engagement=engagement), 422 if form.errors else 200


# The states only the report's workflow moves an engagement into or out of (ENGAGEMENT_WORKFLOW).
REPORT_OWNED = {EngagementStatus.review, EngagementStatus.issued}


@bp.post("/<int:engagement_id>/status")
@login_required
def change_status(engagement_id: int):
    engagement = _load(engagement_id, for_write=True)
    form = StatusForm()
    if not form.validate_on_submit():
        return error_page(422, _("状态变更不允许"), _("无效的状态。"))
    try:
        with transaction():
            service.change_status(
                db.session,
                engagement,
                EngagementStatus(form.status.data),
                current_user,
                now_utc(),
                client_ip(),
                form.reason.data or None,
            )
    except service.TransitionNotAllowed as error:
        if REPORT_OWNED & {error.current, error.wanted}:
            return error_page(
                409, _("状态变更不允许"), _("“复核”“已出具”随报告的提交复核、退回和签发变更，请在报告页操作。")
            )
        message = _(
            "不允许从“%(a)s”直接变更为“%(b)s”。",
            a=STATUS_LABELS[error.current.value],
            b=STATUS_LABELS[error.wanted.value],
        )
        return error_page(409, _("状态变更不允许"), message)
    flash(_("状态已更新为“%(s)s”。", s=STATUS_LABELS[form.status.data]), "success")
    return redirect(url_for(".detail", engagement_id=engagement_id))


@bp.post("/<int:engagement_id>/team")
@login_required
def add_member(engagement_id: int):
    engagement = _load(engagement_id, for_write=True)
    form = TeamMemberForm()
    form.user_id.choices = [(u.id, u.display_name) for u in service.firm_colleagues(db.session, engagement)]
    if not form.validate_on_submit():
        abort(422)
    member = db.session.get(User, form.user_id.data)
    with transaction():
        service.add_team_member(db.session, engagement, member, TeamRole(form.team_role.data), current_user, now_utc())
    return redirect(url_for(".detail", engagement_id=engagement_id))


@bp.post("/<int:engagement_id>/team/<int:member_id>/remove")
@login_required
def remove_member(engagement_id: int, member_id: int):
    engagement = _load(engagement_id, for_write=True)
    team_member = get_or_404(TeamMember, member_id, engagement=engagement)
    if not DeleteForm().validate_on_submit():
        abort(404)  # no valid form token (a confirm form): not an id lookup, the member came from get_or_404
    with transaction():
        service.remove_team_member(db.session, engagement, team_member, current_user, now_utc())
    return redirect(url_for(".detail", engagement_id=engagement_id))


@bp.route("/<int:engagement_id>/sites/new", methods=["GET", "POST"], defaults={"site_id": None})
@bp.route("/<int:engagement_id>/sites/<int:site_id>", methods=["GET", "POST"])
@login_required
def site(engagement_id: int, site_id: int | None):
    engagement = _load(engagement_id, for_write=True)  # an edit form, also on GET
    existing = service.load_site(db.session, engagement, site_id) if site_id else None
    form = SiteForm(obj=existing)
    if form.validate_on_submit():
        with transaction():
            service.save_site(
                db.session,
                engagement,
                current_user,
                now_utc(),
                name=form.name.data,
                address=form.address.data or None,
                latitude=form.latitude.data,
                longitude=form.longitude.data,
                site=existing,
            )
        flash(_("勘查点已保存。"), "success")
        return redirect(url_for(".detail", engagement_id=engagement_id))
    return render_template(
        "engagements/site.html", form=form, engagement=engagement, site=existing
    ), 422 if form.errors else 200
