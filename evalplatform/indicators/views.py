"""Indicator pages: the tree editor, the scoring workspace, the score sheet and its XLSX export."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..db import db
from ..engagements.service import load_engagement_for_user
from ..evidence import service as evidence_service
from ..spreadsheets import xlsx_bytes
from ..web import committed, now_utc, xlsx_download
from . import display, engine, feeds, frameworks, scoring, service
from .forms import (BAND_LABELS, FORMULA_LABELS, GRADE_LABELS, INPUT_LABELS, METHOD_LABELS, OPERATOR_LABELS,
                    STANDARD_LABELS, AddIndicatorForm, BalanceOverrideForm, CreateTreeForm, ImportTargetsForm)

bp = Blueprint("indicators", __name__, template_folder="templates",
               url_prefix="/engagements/<int:engagement_id>/indicators")
LABELS = dict(operators=OPERATOR_LABELS, methods=METHOD_LABELS, standards=STANDARD_LABELS, bands=BAND_LABELS,
              formulas=FORMULA_LABELS, inputs=INPUT_LABELS, grades=GRADE_LABELS, FORMULAS=engine.FORMULAS)


@bp.app_template_filter("deduction_total")
def deduction_total(deductions) -> str:
    total = feeds.deduction_total(deductions)
    return "" if total is None else f"{total.normalize():f}"


@bp.app_template_filter("plain_number")
def plain_number(value) -> str:
    """100.0000 → 100, 0.9500 → 0.95: stored precision without trailing zeros or exponents."""
    return "" if value is None else f"{value.normalize():f}"


def _context(engagement):
    tree = service.tree_for(db.session, engagement)
    summary = scoring.summarise(tree, engagement.id, scoring.grade_scale_for(db.session, engagement.bureau_id))
    can_edit = current_user.role.is_firm_role and not engagement.is_locked
    return dict(engagement=engagement, tree=tree, summary=summary, can_edit=can_edit, line=display.score_line,
                **LABELS)


@bp.get("")
@login_required
def tree(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    context = _context(engagement)
    create_form = CreateTreeForm()
    create_form.framework_code.choices = [(f.code, f.name) for f in frameworks.available_frameworks()]
    create_form.framework_code.data = ("department_overall" if engagement.kind.value == "department"
                                       else "project_common_2020")
    check = service.check_tree(context["tree"]) if context["tree"] else None
    return render_template("indicators/tree.html", create_form=create_form, add_form=AddIndicatorForm(),
                           balance_form=BalanceOverrideForm(), import_form=ImportTargetsForm(), check=check,
                           **context)


@bp.post("/create")
@login_required
def create(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    code = request.form.get("framework_code", "")
    return committed(lambda: service.create_tree_from_framework(db.session, engagement, code, current_user, now_utc()),
                     refused=service.IndicatorError, back=url_for(".tree", engagement_id=engagement_id),
                     success=_("已按模板建立指标体系，可在此基础上增删改。"))


@bp.post("/add")
@login_required
def add(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    tree = service.tree_for(db.session, engagement) or abort(404)
    form = AddIndicatorForm()
    parent = None
    if form.parent_id.data:
        parent = _indicator(engagement, _int(form.parent_id.data))
    try:
        if not form.validate_on_submit():
            raise service.IndicatorError(_("请填写指标名称"))
        service.add_indicator(db.session, tree, parent, current_user, now_utc(), name=form.name.data,
                              points=form.points.data or 0)
    except service.IndicatorError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for(".tree", engagement_id=engagement_id)), 303
    db.session.commit()
    flash(_("已添加个性指标“%(name)s”。", name=form.name.data), "success")
    return redirect(url_for(".tree", engagement_id=engagement_id)), 303


@bp.post("/<int:indicator_id>/delete")
@login_required
def delete(engagement_id: int, indicator_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    indicator = _indicator(engagement, indicator_id)
    service.remove_indicator(db.session, indicator, current_user, now_utc())
    db.session.commit()
    flash(_("已删除指标“%(name)s”及其下级指标。", name=indicator.name), "success")
    return redirect(url_for(".tree", engagement_id=engagement_id)), 303


@bp.post("/balance")
@login_required
def balance(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    tree = service.tree_for(db.session, engagement) or abort(404)
    reason = request.form.get("reason", "")
    return committed(lambda: service.set_balance_override(db.session, tree, reason, current_user, now_utc()),
                     refused=service.IndicatorError, back=url_for(".tree", engagement_id=engagement_id),
                     success=_("已记录理由。"))


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
        service.update_indicator(db.session, indicator, current_user, now_utc(), changes)
    except service.IndicatorError as error:
        db.session.rollback()
        return jsonify(ok=False, error=str(error)), 422
    db.session.commit()
    return jsonify(ok=True, check=_check_json(indicator.tree), **_summary_json(engagement))


@bp.post("/<int:indicator_id>/score")
@login_required
def score(engagement_id: int, indicator_id: int):
    """The workspace's fetch(): the values of one level-3 indicator; answers with the new roll-up."""
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    indicator = _indicator(engagement, indicator_id)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return jsonify(ok=False, error=_("请求内容应为 JSON")), 400
    allowed = {k: payload[k] for k in ("declared_value", "actual_value", "inputs", "rationale", "not_applicable")
               if k in payload}
    try:
        scoring.record_score(db.session, indicator, current_user, now_utc(), **allowed)
    except service.IndicatorError as error:
        db.session.rollback()
        return jsonify(ok=False, error=str(error)), 422
    db.session.commit()
    return jsonify(ok=True, **_summary_json(engagement))


def _summary_json(engagement) -> dict:
    summary = scoring.scoring_summary(db.session, engagement)
    data = summary.as_dict()
    data["grade_label"] = str(GRADE_LABELS[summary.grade]) if summary.grade else None
    data["missing"] = [r.indicator.id for r in summary.missing_rationales]
    return {"summary": data}


def _check_json(tree) -> dict:
    check = service.check_tree(tree)
    return {"problems": check.problems + check.rule_problems, "balance_warning": check.balance_warning,
            "balance_overridden": check.balance_overridden}


@bp.get("/scoring")
@login_required
def workspace(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    context = _context(engagement)
    survey = None
    if context["tree"] and any(i.level == 3 and i.method == "survey" for i in context["tree"].indicators):
        try:
            survey = feeds.survey_status(db.session, engagement)
        except feeds.FeedError:
            survey = None
    return render_template("indicators/scoring.html", survey=survey,
                           finding_deductions=feeds.finding_deductions(db.session, engagement),
                           cited=scoring.evidence_by_indicator(db.session, context["tree"]),
                           evidence=evidence_service.evidence_index(db.session, engagement), **context)


@bp.post("/<int:indicator_id>/evidence")
@login_required
def attach_evidence(engagement_id: int, indicator_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    indicator = _indicator(engagement, indicator_id)
    evidence = evidence_service.load_evidence(db.session, engagement, _int(request.form.get("evidence_id")))
    return committed(lambda: scoring.attach_evidence(db.session, indicator, evidence, current_user, now_utc()),
                     refused=service.IndicatorError,
                     back=url_for(".workspace", engagement_id=engagement_id) + f"#indicator-{indicator.id}",
                     success=_("已将证据 %(code)s 关联到“%(name)s”。", code=evidence.code, name=indicator.name))


@bp.post("/<int:indicator_id>/survey")
@login_required
def from_survey(engagement_id: int, indicator_id: int):
    """从问卷结果取值: the questionnaire's satisfaction becomes the indicator's verified value."""
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    indicator = _indicator(engagement, indicator_id)
    return committed(lambda: feeds.apply_survey(db.session, engagement, indicator, current_user, now_utc()),
                     refused=service.IndicatorError, back=url_for(".workspace", engagement_id=engagement_id),
                     success=lambda status: _("“%(name)s”已取问卷满意度 %(rate)s%%（有效问卷 %(n)s 份）。",
                                              name=indicator.name, rate=status.rate, n=status.n_valid))


@bp.post("/<int:indicator_id>/findings")
@login_required
def from_findings(engagement_id: int, indicator_id: int):
    """应用问题清单扣分: the linked findings' suggested deductions become the indicator's deductions."""
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    indicator = _indicator(engagement, indicator_id)
    return committed(lambda: feeds.apply_findings(db.session, engagement, indicator, current_user, now_utc()),
                     refused=service.IndicatorError,
                     back=url_for(".workspace", engagement_id=engagement_id) + f"#indicator-{indicator.id}",
                     success=lambda items: _("“%(name)s”已按问题清单扣分：%(codes)s。", name=indicator.name,
                                             codes="、".join(f"{d.code} −{d.points.normalize():f}" for d in items)))


@bp.post("/crosscheck")
@login_required
def from_cross_checks(engagement_id: int):
    """采用对照查证复核的核实值: every cross-check result that bears on an indicator."""
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    try:
        matches = feeds.apply_cross_checks(db.session, engagement, current_user, now_utc())
    except service.IndicatorError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for(".workspace", engagement_id=engagement_id)), 303
    db.session.commit()
    if matches:
        flash(_("已采用对照查证复核的核实值：%(names)s。",
                names="、".join(f"{m.indicator.name} {m.value.normalize():f}" for m in matches)), "success")
    else:
        flash(_("没有与指标对应的对照查证复核结果（按指标名称或“关联指标”匹配）。"), "warning")
    return redirect(url_for(".workspace", engagement_id=engagement_id)), 303


@bp.get("/sheet")
@login_required
def sheet(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    return render_template("indicators/sheet.html", **_context(engagement))


@bp.get("/sheet.xlsx")
@login_required
def sheet_xlsx(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    summary = scoring.scoring_summary(db.session, engagement)
    header, rows = sheet_table(summary)
    body = xlsx_bytes([(_("评分表"), header, rows)])
    return xlsx_download(body, f"score-sheet-{engagement.id}.xlsx")


def sheet_table(summary: scoring.ScoringSummary):
    """一级 / 二级 / 三级, 分值, 得分, 得分率, 扣分原因 — the page's layout, one row per indicator."""
    header = [_("一级指标"), _("二级指标"), _("三级指标"), _("分值"), _("得分"), _("得分率") + "（%）", _("扣分原因")]
    rows = []
    for row in summary.rows:
        i = row.indicator
        names = ["", "", ""]
        names[i.level - 1] = i.name
        na = i.level == 3 and i.not_applicable
        rows.append(names + [i.points, _("不适用") if na else row.score, "" if na else row.rate,
                             i.rationale if i.level == 3 else ""])
    total = summary.total if summary.total is not None else "；".join(summary.problems)
    rows.append([_("合计"), "", "", summary.applicable_points or "", total, "", _("已按适用指标折算为百分制")
                 if summary.rescaled else ""])
    rows.append([_("评价等级"), "", "", "", str(GRADE_LABELS[summary.grade]) if summary.grade else "", "", ""])
    return header, rows


def _indicator(engagement, indicator_id: int):
    try:
        return service.load_indicator(db.session, engagement, indicator_id)
    except service.IndicatorNotFound:
        abort(404)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        abort(404)
