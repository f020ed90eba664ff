"""Scoring pages: the workspace (values, feeds, evidence), the score sheet and its XLSX export.

Same URLs as the indicator pages (…/indicators/scoring, …/indicators/sheet): one place for the evaluator."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import formatting as fmt
from ..db import db
from ..engagements.service import load_engagement_for_user
from ..evidence import service as evidence_service
from ..indicators import service
from ..indicators.pages import indicator_or_404 as _indicator
from ..indicators.pages import page_context as _context
from ..indicators.pages import summary_json as _summary_json
from ..indicators.rollup import scoring_summary
from ..spreadsheets import xlsx_bytes
from ..web import committed, id_or_404, now_utc, transaction, xlsx_download
from . import feeds
from . import service as scoring
from .export import export_table
from .sheet import build_sheet, score_sheet

bp = Blueprint(
    "scoring", __name__, template_folder="templates", url_prefix="/engagements/<int:engagement_id>/indicators"
)


@bp.app_template_filter("deduction_total")
def deduction_total(deductions) -> str:
    return fmt.number(feeds.deduction_total(deductions), grouping=False, missing="")


@bp.post("/<int:indicator_id>/score")
@login_required
def score(engagement_id: int, indicator_id: int):
    """The workspace's fetch(): the values of one level-3 indicator; answers with the new roll-up."""
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    indicator = _indicator(engagement, indicator_id)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return jsonify(ok=False, error=_("请求内容应为 JSON")), 400
    allowed = {
        k: payload[k]
        for k in ("declared_value", "actual_value", "inputs", "rationale", "not_applicable")
        if k in payload
    }
    try:
        with transaction():
            scoring.record_score(db.session, indicator, current_user, now_utc(), **allowed)
    except service.IndicatorError as error:
        return jsonify(ok=False, error=str(error)), 422
    return jsonify(ok=True, **_workspace_json(engagement))


def _workspace_json(engagement) -> dict:
    """The roll-up the page's script shows, each score as the score sheet has it (null: 未评分 / 不适用)."""
    summary = scoring_summary(db.session, engagement)
    data = _summary_json(engagement, summary)
    data["summary"]["scores"] = {str(r.indicator_id): _text(r.score) for r in build_sheet(summary).rows}
    return data


def _text(value) -> str | None:
    return None if value is None else str(value)


@bp.get("/scoring")
@login_required
def workspace(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    context = _context(engagement)
    rows = {r.indicator_id: r for r in build_sheet(context["summary"]).rows}
    survey = None
    if context["tree"] and any(i.level == 3 and i.method == "survey" for i in context["tree"].indicators):
        try:
            survey = feeds.survey_status(db.session, engagement)
        except feeds.FeedError:
            survey = None
    return render_template(
        "scoring/scoring.html",
        survey=survey,
        finding_deductions=feeds.finding_deductions(db.session, engagement),
        divergences=feeds.divergences(db.session, engagement),
        cited=scoring.evidence_by_indicator(db.session, context["tree"]),
        evidence=evidence_service.evidence_index(db.session, engagement),
        sheet_rows=rows,
        **context,
    )


@bp.post("/<int:indicator_id>/evidence")
@login_required
def attach_evidence(engagement_id: int, indicator_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    indicator = _indicator(engagement, indicator_id)
    evidence = evidence_service.load_evidence(db.session, engagement, id_or_404(request.form.get("evidence_id")))
    return committed(
        lambda: scoring.attach_evidence(db.session, indicator, evidence, current_user, now_utc()),
        refused=service.IndicatorError,
        back=url_for(".workspace", engagement_id=engagement_id) + f"#indicator-{indicator.id}",
        success=_("已将证据 %(code)s 关联到“%(name)s”。", code=evidence.code, name=indicator.name),
    )


@bp.post("/<int:indicator_id>/survey")
@login_required
def from_survey(engagement_id: int, indicator_id: int):
    """从问卷结果取值: the questionnaire's satisfaction becomes the indicator's verified value."""
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    indicator = _indicator(engagement, indicator_id)
    return committed(
        lambda: feeds.apply_survey(db.session, engagement, indicator, current_user, now_utc()),
        refused=service.IndicatorError,
        back=url_for(".workspace", engagement_id=engagement_id),
        success=lambda status: _(
            "“%(name)s”已取问卷满意度 %(rate)s%%（有效问卷 %(n)s 份）。",
            name=indicator.name,
            rate=status.rate,
            n=status.n_valid,
        ),
    )


@bp.post("/<int:indicator_id>/findings")
@login_required
def from_findings(engagement_id: int, indicator_id: int):
    """应用问题清单扣分: the linked findings' suggested deductions become the indicator's deductions."""
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    indicator = _indicator(engagement, indicator_id)
    return committed(
        lambda: feeds.apply_findings(db.session, engagement, indicator, current_user, now_utc()),
        refused=service.IndicatorError,
        back=url_for(".workspace", engagement_id=engagement_id) + f"#indicator-{indicator.id}",
        success=lambda items: _(
            "“%(name)s”已按问题清单扣分：%(codes)s。",
            name=indicator.name,
            codes="、".join(f"{d.code} −{fmt.number(d.points, grouping=False)}" for d in items),
        ),
    )


@bp.post("/crosscheck")
@login_required
def from_cross_checks(engagement_id: int):
    """采用对照查证复核的核实值: every cross-check result that bears on an indicator."""
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    try:
        with transaction():
            matches = feeds.apply_cross_checks(db.session, engagement, current_user, now_utc())
    except service.IndicatorError as error:
        flash(str(error), "error")
        return redirect(url_for(".workspace", engagement_id=engagement_id)), 303
    if matches:
        names = "、".join(f"{m.indicator.name} {fmt.number(m.value, grouping=False)}" for m in matches)
        flash(_("已采用对照查证复核的核实值：%(names)s。", names=names), "success")
    else:
        flash(_("没有与指标对应的对照查证复核结果（按指标名称或“关联指标”匹配）。"), "warning")
    return redirect(url_for(".workspace", engagement_id=engagement_id)), 303


@bp.get("/sheet")
@login_required
def sheet(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    context = _context(engagement)
    table = build_sheet(context["summary"])  # the roll-up the summary bar above it shows
    return render_template("scoring/sheet.html", sheet=table, **context)


@bp.get("/sheet.xlsx")
@login_required
def sheet_xlsx(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    header, rows = export_table(score_sheet(db.session, engagement))
    body = xlsx_bytes([(_("评分表"), header, rows)])
    return xlsx_download(body, f"score-sheet-{engagement.id}.xlsx")
