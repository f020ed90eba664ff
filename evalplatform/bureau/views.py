"""Finance-bureau portal pages: dashboard, issued reports, shares, 结果应用 tracking."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import formatting as fmt
from .. import policy
from ..db import db
from ..evidence.downloads import send_evidence
from ..indicators import rollup
from ..indicators.service import IndicatorError
from ..integrity import sha256_hex
from ..reporting import annexes
from ..spreadsheets import xlsx_bytes
from ..web import committed, form_errors, found_or_404, now_utc, xlsx_download
from . import service
from .forms import KIND_LABELS, STATUS_LABELS, ApplicationForm, GradeScaleForm, ProgressForm, ShareForm

bp = Blueprint("bureau", __name__, template_folder="templates", url_prefix="/bureau")


@bp.before_request
@login_required
def _bureau_side_only():
    if not current_user.role.is_bureau_side:
        abort(404)  # a role gate, no id: the firm reads its working papers, not the bureau's portal


def _today() -> date:
    return fmt.local_now().date()


def _filters() -> service.DashboardFilters:
    return service.DashboardFilters(
        year=request.args.get("year", type=int),
        category=request.args.get("category", "")[:60],
        unit=request.args.get("unit", "")[:100],
    )


@bp.get("")
def dashboard():
    filters, today = _filters(), _today()
    page = service.dashboard_page(
        db.session,
        current_user,
        filters,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PAGE_SIZE"],
        today=today,
    )
    summary = service.summarize(service.all_dashboard_rows(db.session, current_user, filters, today))
    return render_template(
        "bureau/dashboard.html",
        page=page,
        summary=summary,
        filters=filters,
        charts=service.dashboard_charts(summary),
        may_record=policy.may_record_results(current_user),
    )


@bp.get("/export.xlsx")
def export_dashboard():
    rows = service.all_dashboard_rows(db.session, current_user, _filters(), _today())
    header = [
        "预算年度",
        "被评价单位",
        "评价项目",
        "类别",
        "预算金额（元）",
        "报告版本",
        "出具日期",
        "得分",
        "等级",
        "问题数",
        "未完成结果应用",
        "逾期",
    ]
    facts = [r.latest.as_issued["engagement"] for r in rows]
    body = [
        [
            f["fiscal_year"],
            f["unit"],
            f["title"],
            f["category"],
            Decimal(f["budget_amount"].replace(",", "")),
            r.latest.version,
            fmt.short_date(r.latest.issued_at),
            r.latest.total_score,
            r.latest.grade or "",
            sum((r.latest.findings_by_severity or {}).values()),
            r.open_items,
            r.overdue_items,
        ]
        for r, f in zip(rows, facts)
    ]
    data = xlsx_bytes([("评价结果汇总", header, body)])
    return xlsx_download(data, "绩效评价结果汇总.xlsx")


def _report(report_id: int):
    return service.load_report_for_reader(db.session, report_id, current_user)


def _recorder_only() -> None:
    """Sharing and 结果应用 are the bureau's own acts: to the audit office these routes do not exist."""
    if not policy.may_record_results(current_user):
        abort(404)  # a role gate, no id: these routes do not exist for the audit office


@bp.get("/reports/<int:report_id>")
def report(report_id: int):
    report = _report(report_id)
    share_form = ShareForm()
    share_form.auditor_id.choices = [
        (u.id, u.display_name) for u in service.auditors_of(db.session, current_user.bureau_id)
    ]
    latest = report.versions[-1]
    issued = latest.as_issued
    return render_template(
        "bureau/report.html",
        report=report,
        latest=latest,
        issued=issued,
        budget=service.issued_budget(issued["engagement"]),
        annexes=annexes.issued(db.session, report),
        today=_today(),
        applications=service.applications_for(db.session, report.engagement_id),
        application_form=ApplicationForm(),
        progress_form=ProgressForm(),
        share_form=share_form,
        kinds=KIND_LABELS,
        statuses=STATUS_LABELS,
        may_record=policy.may_record_results(current_user),
    )


@bp.get("/reports/<int:report_id>/verify")
def verify(report_id: int):
    """核验: each issued version's content hash recomputed from what it says, and the audit chain anchor."""
    report = _report(report_id)
    checks = [(v, sha256_hex(v.content) == v.content_sha256 if v.content else None) for v in report.versions]
    return render_template("bureau/verify.html", report=report, checks=checks, issued=report.versions[-1].as_issued)


@bp.get("/reports/<int:report_id>/versions/<int:version>/<kind>")
def version_file(report_id: int, version: int, kind: str):
    return send_evidence(found_or_404(policy.issued_file(db.session, current_user, _report(report_id), version, kind)))


@bp.get("/reports/<int:report_id>/versions/<int:version>/annexes/<int:evidence_id>")
def annex_file(report_id: int, version: int, evidence_id: int):
    """An evidence original the firm attached to this issued version; no other original is reachable."""
    evidence = policy.issued_annex(db.session, current_user, _report(report_id), version, evidence_id)
    return send_evidence(found_or_404(evidence))


def _back(report_id: int):
    return redirect(url_for(".report", report_id=report_id), 303)


@bp.post("/reports/<int:report_id>/share")
def share(report_id: int):
    _recorder_only()
    report = _report(report_id)
    form = ShareForm()
    form.auditor_id.choices = [(u.id, u.display_name) for u in service.auditors_of(db.session, current_user.bureau_id)]
    if not form.validate_on_submit():
        flash(_("请选择审计部门用户"), "error")
        return _back(report_id)
    return _apply(
        report_id,
        lambda: service.share_report(db.session, report, form.auditor_id.data, current_user, now_utc(), form.note.data),
        _("已共享给审计部门。"),
    )


@bp.post("/reports/<int:report_id>/applications")
def add_application(report_id: int):
    _recorder_only()
    report = _report(report_id)
    form = ApplicationForm()
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
        return _back(report_id)
    data = service.ApplicationInput(
        kind=form.kind.data,
        requirement=form.requirement.data,
        due_date=form.due_date.data,
        budget_change=form.budget_change.data,
        responsible_unit=form.responsible_unit.data,
    )
    return _apply(
        report_id,
        lambda: service.add_application(db.session, report, data, current_user, now_utc()),
        _("已记录结果应用。"),
    )


@bp.post("/applications/<int:application_id>")
def update_application(application_id: int):
    _recorder_only()
    item = service.load_application(db.session, application_id, current_user)
    report_id = policy.readable_report_of(db.session, current_user, item.engagement_id).id
    form = ProgressForm()
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
        return _back(report_id)
    # The in-place row form sends every field; the older status-only form leaves unit and budget as they are.
    extra = {name: getattr(form, name).data for name in ("responsible_unit", "budget_change") if name in request.form}
    return _apply(
        report_id,
        lambda: service.update_application(
            db.session, item, form.status.data, form.progress_note.data, current_user, now_utc(), **extra
        ),
        _("已更新结果应用。"),
    )


def _apply(report_id: int, change, message: str):
    return committed(
        change, refused=service.ApplicationError, back=url_for(".report", report_id=report_id), success=message
    )


def _tracked():
    """The tracking list as the page and its export show it: (items, today, overdue_only)."""
    today, overdue_only = _today(), request.args.get("overdue") == "1"
    return (
        service.tracked_applications(db.session, current_user, overdue_only=overdue_only, today=today),
        today,
        overdue_only,
    )


@bp.get("/applications")
def applications():
    items, today, overdue_only = _tracked()
    return render_template(
        "bureau/applications.html",
        items=items,
        today=today,
        overdue_only=overdue_only,
        kinds=KIND_LABELS,
        statuses=STATUS_LABELS,
        report_ids=service.report_ids(db.session, [a.engagement_id for a in items]),
    )


@bp.get("/applications.xlsx")
def export_applications():
    """The tracking list as a workbook (the same rows and filter as the page), for 整改 follow-up meetings."""
    items, today, _overdue_only = _tracked()
    header = [
        "被评价单位",
        "评价项目",
        "应用方式",
        "内容与要求",
        "责任单位",
        "预算调整金额（元）",
        "整改期限",
        "状态",
        "整改情况",
        "完成日期",
        "是否逾期",
    ]
    body = [
        [
            a.engagement.evaluated_unit.name,
            a.engagement.title,
            str(KIND_LABELS[a.kind.value]),
            a.requirement,
            a.responsible_unit or "",
            a.budget_change,
            a.due_date,
            str(STATUS_LABELS[a.status.value]),
            a.progress_note,
            a.completed_on,
            "是" if a.is_overdue(today) else "",
        ]
        for a in items
    ]
    return xlsx_download(xlsx_bytes([("结果应用跟踪", header, body)]), "结果应用跟踪.xlsx")


@bp.get("/grade-scale")
def grade_scale():
    current = rollup.grade_scale_for(db.session, current_user.bureau_id)
    form = GradeScaleForm(data={"excellent": current.excellent, "good": current.good, "fair": current.fair})
    return render_template("bureau/grade_scale.html", form=form, editable=policy.may_record_results(current_user))


@bp.post("/grade-scale")
def save_grade_scale():
    if not policy.may_record_results(current_user):  # the audit office reads; it does not set the bureau's bands
        abort(403)
    form = GradeScaleForm()
    back = url_for(".grade_scale")
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
        return redirect(back, 303)
    return committed(
        lambda: service.change_grade_scale(
            db.session, current_user, now_utc(), form.excellent.data, form.good.data, form.fair.data
        ),
        refused=IndicatorError,
        back=back,
        success=_("已保存等级分数线。"),
    )
