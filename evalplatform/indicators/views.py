"""Indicator pages: the tree editor (the scoring workspace and score sheet are scoring/views.py)."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import formatting as fmt
from ..db import db
from ..engagements.service import load_engagement_for_user
from ..web import committed, found_or_404, id_or_404, now_utc, transaction
from . import frameworks, service
from .forms import AddIndicatorForm, BalanceOverrideForm, CreateTreeForm, ImportTargetsForm
from .pages import indicator_or_404 as _indicator
from .pages import page_context as _context
from .pages import summary_json as _summary_json

bp = Blueprint(
    "indicators", __name__, template_folder="templates", url_prefix="/engagements/<int:engagement_id>/indicators"
)


@bp.app_template_filter("plain_number")
def plain_number(value) -> str:
    """100.0000 → 100, 0.9500 → 0.95: stored precision without trailing zeros or exponents (for inputs: no commas)."""
    return fmt.number(value, grouping=False, missing="")


@bp.get("")
@login_required
def tree(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    context = _context(engagement)
    create_form = CreateTreeForm()
    create_form.framework_code.choices = [(f.code, f.name) for f in frameworks.available_frameworks()]
    create_form.framework_code.data = (
        "department_overall" if engagement.kind.value == "department" else "project_common_2020"
    )
    check = service.check_tree(context["tree"]) if context["tree"] else None
    return render_template(
        "indicators/tree.html",
        create_form=create_form,
        add_form=AddIndicatorForm(),
        balance_form=BalanceOverrideForm(),
        import_form=ImportTargetsForm(),
        check=check,
        **context,
    )


@bp.post("/create")
@login_required
def create(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    code = request.form.get("framework_code", "")
    return committed(
        lambda: service.create_tree_from_framework(db.session, engagement, code, current_user, now_utc()),
        refused=service.IndicatorError,
        back=url_for(".tree", engagement_id=engagement_id),
        success=_("已按模板建立指标体系，可在此基础上增删改。"),
    )


@bp.post("/add")
@login_required
def add(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    tree = found_or_404(service.tree_for(db.session, engagement))
    form = AddIndicatorForm()
    parent = None
    if form.parent_id.data:
        parent = _indicator(engagement, id_or_404(form.parent_id.data))
    try:
        with transaction():
            if not form.validate_on_submit():
                raise service.IndicatorError(_("请填写指标名称"))
            service.add_indicator(
                db.session, tree, parent, current_user, now_utc(), name=form.name.data, points=form.points.data or 0
            )
    except service.IndicatorError as error:
        flash(str(error), "error")
        return redirect(url_for(".tree", engagement_id=engagement_id)), 303
    flash(_("已添加个性指标“%(name)s”。", name=form.name.data), "success")
    return redirect(url_for(".tree", engagement_id=engagement_id)), 303


@bp.post("/<int:indicator_id>/delete")
@login_required
def delete(engagement_id: int, indicator_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    indicator = _indicator(engagement, indicator_id)
    with transaction():
        service.remove_indicator(db.session, indicator, current_user, now_utc())
    flash(_("已删除指标“%(name)s”及其下级指标。", name=indicator.name), "success")
    return redirect(url_for(".tree", engagement_id=engagement_id)), 303


@bp.post("/balance")
@login_required
def balance(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    tree = found_or_404(service.tree_for(db.session, engagement))
    reason = request.form.get("reason", "")
    return committed(
        lambda: service.set_balance_override(db.session, tree, reason, current_user, now_utc()),
        refused=service.IndicatorError,
        back=url_for(".tree", engagement_id=engagement_id),
        success=_("已记录理由。"),
    )


@bp.post("/<int:indicator_id>/edit")
@login_required
def edit(engagement_id: int, indicator_id: int):
    """One field of the definition at a time, from the editor's fetch() (JSON in, JSON out)."""
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    indicator = _indicator(engagement, indicator_id)
    changes = dict(request.get_json(silent=True) or {})
    if "formula" in changes:
        changes["params"] = {**(indicator.params or {}), "formula": changes.pop("formula")}
    if isinstance(changes.get("key_points"), str):
        changes["key_points"] = changes["key_points"].splitlines()
    try:
        with transaction():
            service.update_indicator(db.session, indicator, current_user, now_utc(), changes)
    except service.IndicatorError as error:
        return jsonify(ok=False, error=str(error)), 422
    return jsonify(ok=True, check=_check_json(indicator.tree), **_summary_json(engagement))


def _check_json(tree) -> dict:
    check = service.check_tree(tree)
    return {
        "problems": check.problems + check.rule_problems,
        "balance_warning": check.balance_warning,
        "balance_overridden": check.balance_overridden,
    }
