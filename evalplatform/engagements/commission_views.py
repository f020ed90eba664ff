"""委托 pages: the bureau engages firms and answers requests; the firm asks bureaus and sees what it was given."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import policy
from ..db import db
from ..web import committed, form_errors, get_or_404, now_utc
from . import commissions
from .forms import COMMISSION_STATUS_LABELS, CommissionDecisionForm, CommissionForm
from .models import Commission

bp = Blueprint("commissions", __name__, template_folder="templates", url_prefix="/commissions")


@bp.before_request
@login_required
def _bureau_or_firm():
    if current_user.role.value == "auditor":
        abort(404)  # a role gate, no id: the audit office reads shared reports only


@bp.get("")
def index():
    listed = list(
        db.session.scalars(
            policy.visible_commissions(current_user).order_by(Commission.created_at.desc(), Commission.id.desc())
        )
    )
    bureau_side = current_user.role.is_bureau_side
    # The firm follows its commissions into its engagements; the bureau only into reports issued under them.
    links = (
        {
            c: url_for("engagements.detail", engagement_id=e.id)
            for c, e in commissions.engagements_by_commission(db.session, listed).items()
        }
        if not bureau_side
        else {
            r.engagement.commission_id: url_for("bureau.report", report_id=r.id)
            for r in db.session.scalars(policy.readable_reports(current_user))
        }
    )
    return render_template(
        "engagements/commissions.html",
        commissions=listed,
        form=CommissionForm(),
        decision_form=CommissionDecisionForm(),
        statuses=COMMISSION_STATUS_LABELS,
        links=links,
        bureau_side=bureau_side,
        own=current_user.bureau if bureau_side else current_user.firm,
    )


@bp.post("")
def create():
    form = CommissionForm()
    back = url_for(".index")
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
        return redirect(back, 303)
    args = (form.counterpart.data, form.project_name.data, form.fiscal_year.data)
    if current_user.role.is_bureau_side:
        change = lambda: commissions.commission_firm(db.session, current_user.bureau, *args, current_user, now_utc())  # noqa: E731
        message = _("已发起委托，该事务所现在可以据此建立评价项目。")
    else:
        change = lambda: commissions.request_commission(db.session, current_user, *args, now_utc())  # noqa: E731
        message = _("委托申请已发送，待财政局确认。")
    return committed(change, refused=commissions.CommissionError, back=back, success=message)


ACTIONS = {
    "accept": lambda c, form, now: commissions.accept(db.session, c, current_user, now),
    "decline": lambda c, form, now: commissions.decline(db.session, c, current_user, now, form.reason.data),
    "withdraw": lambda c, form, now: commissions.withdraw(db.session, c, current_user, now, form.reason.data),
    "reassign": lambda c, form, now: commissions.reassign(
        db.session, c, form.counterpart.data, current_user, now, form.reason.data
    ),
}


@bp.post("/<int:commission_id>/<action>")
def decide(commission_id: int, action: str):
    commission = get_or_404(Commission, commission_id)
    if action not in ACTIONS:
        abort(404)  # an unknown action in the path: no such page, not an id lookup
    form = CommissionDecisionForm()
    if not form.validate_on_submit():
        flash(form_errors(form) or _("请求已失效，请刷新页面后重试。"), "error")
        return redirect(url_for(".index"), 303)
    return committed(
        lambda: ACTIONS[action](commission, form, now_utc()),
        refused=commissions.CommissionError,
        back=url_for(".index", _anchor=f"c{commission.id}"),
        success=_("已更新委托。"),
    )
