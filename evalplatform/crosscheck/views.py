"""Cross-check, sampling and findings pages of an engagement; thin: parse, authorize, call services."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..db import db
from ..engagements.service import load_engagement_for_user
from ..evidence import service as evidence_service
from ..materials import service as materials
from ..spreadsheets import xlsx_bytes
from ..web import committed, form_errors, now_utc, transaction, xlsx_download
from . import findings, quantities, sampling, service
from .forms import ActionForm, FindingForm, ResultForm, SampleForm, VerifyForm
from .ledger_rules import RULE_LABELS as LEDGER_RULE_LABELS

bp = Blueprint("crosscheck", __name__, template_folder="templates", url_prefix="/engagements/<int:engagement_id>")


def _evidence_choices(engagement, blank=False):
    choices = [
        (e.id, f"{e.code} {e.original_filename}") for e in evidence_service.evidence_index(db.session, engagement)
    ]
    return ([(0, "—")] if blank else []) + choices


def _verify_form(engagement):
    form = VerifyForm()
    form.indicator_ref.choices = [("", "—")] + [
        (i.level3, f"{i.level3}（{i.actual_value or '—'}）")
        for i in materials.self_assessed_indicators(db.session, engagement)
    ]
    form.evidence_id.choices = _evidence_choices(engagement)
    return form


@bp.get("/crosscheck")
@login_required
def index(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    return _index(engagement, _verify_form(engagement))


def _index(engagement, verify_form, status=200):
    flags = service.ledger_flag_page(db.session, engagement, request.args.get("page", 1, type=int))
    return render_template(
        "crosscheck/index.html",
        engagement=engagement,
        checks=service.cross_checks(db.session, engagement),
        ledger=service.ledger_summary(db.session, engagement),
        flags=flags,
        flag_count=flags.total,
        flag_rules=service.ledger_flag_rules(db.session, engagement),
        rule_labels={**service.RULE_LABELS, **LEDGER_RULE_LABELS},
        outcome_labels=findings.OUTCOME_LABELS,
        verify_form=verify_form,
        action_form=ActionForm(),
        measures=quantities.measure_settings(db.session, engagement),
        targets=quantities.target_choices(db.session, engagement),
    ), status


@bp.post("/crosscheck/quantity-target")
@login_required
def quantity_target(engagement_id: int):
    """The declared figure a measured quantity is checked against (自评表 indicator, a list column, none, auto)."""
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    if ActionForm().validate_on_submit():
        key, target = request.form.get("key", ""), request.form.get("target", "auto")

        def save_and_rerun():
            quantities.save_quantity_target(db.session, engagement, current_user, now_utc(), key, target)
            service.run_rules(db.session, engagement, current_user, now_utc())

        return committed(
            save_and_rerun,
            refused=quantities.QuantityError,
            back=url_for(".index", engagement_id=engagement_id),
            success=_("已保存实测项的对照对象并重新运行对照规则。"),
        )
    return redirect(url_for(".index", engagement_id=engagement_id)), 303


@bp.post("/crosscheck/run")
@login_required
def run(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    if ActionForm().validate_on_submit():
        with transaction():
            service.run_rules(db.session, engagement, current_user, now_utc())
        flash(_("已重新运行对照规则。"), "success")
    return redirect(url_for(".index", engagement_id=engagement_id)), 303


@bp.post("/crosscheck/verify")
@login_required
def verify(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    form = _verify_form(engagement)
    if not form.validate_on_submit():
        flash(_("核实数未保存：%(e)s", e=form_errors(form)), "error")
        return _index(engagement, form, 422)
    declared, source = form.declared.data, form.declared_source.data or _("申报数")
    indicator = next(
        (i for i in materials.self_assessed_indicators(db.session, engagement) if i.level3 == form.indicator_ref.data),
        None,
    )
    if indicator is not None and declared is None:
        declared, source = indicator.actual_number, _("自评表 实际完成值")
    try:
        with transaction():
            service.record_verified(
                db.session,
                engagement,
                current_user,
                now_utc(),
                subject=form.subject.data,
                declared=declared,
                declared_source=source,
                verified=form.verified.data,
                evidence=evidence_service.load_evidence(db.session, engagement, form.evidence_id.data),
                unit=form.unit.data or "",
                tolerance_abs=form.tolerance_abs.data,
                tolerance_rel=form.tolerance_rel.data / 100 if form.tolerance_rel.data is not None else None,
                indicator_ref=indicator.level3 if indicator else None,
                note=form.note.data or None,
            )
    except service.CrossCheckError as error:
        flash(str(error), "error")
        return _index(engagement, form, 422)
    flash(_("核实数已保存。"), "success")
    return redirect(url_for(".index", engagement_id=engagement_id)), 303


@bp.post("/crosscheck/<int:check_id>/finding")
@login_required
def check_to_finding(engagement_id: int, check_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    check = service.load_cross_check(db.session, engagement, check_id)
    return _make_finding(
        engagement_id, lambda: findings.finding_from_cross_check(db.session, engagement, check, current_user, now_utc())
    )


@bp.post("/crosscheck/flags/<rule>/finding")
@login_required
def flags_to_finding(engagement_id: int, rule: str):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    if rule not in LEDGER_RULE_LABELS:
        flash(_("未知的台账规则"), "error")
        return redirect(url_for(".index", engagement_id=engagement_id)), 303
    return _make_finding(
        engagement_id, lambda: findings.finding_from_ledger_flags(db.session, engagement, rule, current_user, now_utc())
    )


def _make_finding(engagement_id, make):
    if not ActionForm().validate_on_submit():
        return redirect(url_for(".index", engagement_id=engagement_id)), 303
    try:
        with transaction():
            finding = make()
    except findings.FindingError as error:
        flash(str(error), "error")
        return redirect(url_for(".index", engagement_id=engagement_id)), 303
    flash(_("已生成问题 %(code)s。", code=finding.code), "success")
    return redirect(url_for(".findings_page", engagement_id=engagement_id, edit=finding.id)), 303


# ---- findings (问题清单) ----


def _finding_form(engagement, finding=None):
    form = FindingForm(obj=finding) if finding is not None and request.method == "GET" else FindingForm()
    if finding is not None and request.method == "GET":
        form.indicator_refs.data = "，".join(finding.indicator_refs)
    form.evidence_ids.choices = _evidence_choices(engagement)
    return form


@bp.get("/findings")
@login_required
def findings_page(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    editing = None
    if request.args.get("edit", type=int):
        editing = next(
            (f for f in findings.findings(db.session, engagement) if f.id == request.args.get("edit", type=int)), None
        )
    return _findings(engagement, _finding_form(engagement, editing), editing)


def _findings(engagement, form, editing, status=200):
    return render_template(
        "crosscheck/findings.html",
        engagement=engagement,
        form=form,
        editing=editing,
        items=findings.findings(db.session, engagement),
        linked=findings.finding_evidence(db.session, engagement),
        severity_labels=findings.SEVERITY_LABELS,
    ), status


@bp.post("/findings", defaults={"finding_id": None})
@bp.post("/findings/<int:finding_id>")
@login_required
def save_finding(engagement_id: int, finding_id: int | None):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    finding = findings.load_finding(db.session, engagement, finding_id) if finding_id else None
    form = _finding_form(engagement, finding)
    if not form.validate_on_submit():
        flash(_("问题未保存：%(e)s", e=form_errors(form)), "error")
        return _findings(engagement, form, finding, 422)
    fields = findings.FindingFields(
        title=form.title.data,
        description=form.description.data,
        severity=form.severity.data,
        indicator_refs=form.indicator_refs.data.replace("，", ",").split(",") if form.indicator_refs.data else [],
        cause=form.cause.data or None,
        recommendation=form.recommendation.data or None,
        unit_response=form.unit_response.data or None,
        suggested_deduction=form.suggested_deduction.data,
    )
    chosen = [evidence_service.load_evidence(db.session, engagement, i) for i in form.evidence_ids.data or []]
    with transaction():
        if finding is None:
            finding = findings.create_finding(db.session, engagement, current_user, now_utc(), fields, evidence=chosen)
        else:
            findings.update_finding(db.session, engagement, finding, current_user, now_utc(), fields)
            for item in chosen:
                evidence_service.link_evidence(db.session, item, "finding", finding.id)
    flash(_("问题 %(code)s 已保存。", code=finding.code), "success")
    return redirect(url_for(".findings_page", engagement_id=engagement_id)), 303


@bp.get("/findings.xlsx")
@login_required
def export_findings(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    body = xlsx_bytes([(_("问题清单"), findings.FINDINGS_HEADER, findings.findings_table(db.session, engagement))])
    return xlsx_download(body, f"findings-{engagement.id}.xlsx")


# ---- 抽样核查 ----


def _sample_form(engagement):
    form = SampleForm()
    form.import_id.choices = [
        (m.id, f"{m.name}（{m.row_count} 行）")
        for m in materials.list_imports(db.session, engagement)
        if m.kind == "declared_list"
    ]
    return form


def _selected_sample(engagement):
    all_samples = sampling.samples(db.session, engagement)
    wanted = request.args.get("sample", type=int)
    return all_samples, next((s for s in all_samples if s.id == wanted), all_samples[0] if all_samples else None)


@bp.get("/samples")
@login_required
def samples_page(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    return _samples(engagement, _sample_form(engagement))


def _samples(engagement, form, status=200):
    all_samples, sample = _selected_sample(engagement)
    result_form = ResultForm()
    result_form.evidence_id.choices = _evidence_choices(engagement, blank=True)
    return render_template(
        "crosscheck/samples.html",
        engagement=engagement,
        form=form,
        samples=all_samples,
        sample=sample,
        estimate=sampling.estimate(sample) if sample else None,
        result_form=result_form,
        result_labels=sampling.RESULT_LABELS,
    ), status


@bp.post("/samples")
@login_required
def draw(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    form = _sample_form(engagement)
    if not form.validate_on_submit():
        flash(_("未抽样：%(e)s", e=form_errors(form)), "error")
        return _samples(engagement, form, 422)
    try:
        with transaction():
            sample = sampling.draw_sample(
                db.session,
                engagement,
                materials.load_import(db.session, engagement, form.import_id.data),
                current_user,
                now_utc(),
                confidence=float(form.confidence.data),
                tolerable_error=float(form.tolerable_error.data) / 100,
                expected_rate=float(form.expected_rate.data) / 100,
                size=form.size.data,
                seed=form.seed.data,
                stratum_column=(form.stratum_column.data or "").strip() or None,
            )
    except sampling.SamplingError as error:
        flash(str(error), "error")
        return _samples(engagement, form, 422)
    flash(_("已抽取 %(n)s 个样本（随机种子 %(seed)s）。", n=sample.size, seed=sample.seed), "success")
    return redirect(url_for(".samples_page", engagement_id=engagement_id, sample=sample.id)), 303


@bp.post("/samples/<int:sample_id>/items/<int:item_id>")
@login_required
def record(engagement_id: int, sample_id: int, item_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    item = sampling.load_item(db.session, engagement, sample_id, item_id)
    form = ResultForm()
    form.evidence_id.choices = _evidence_choices(engagement, blank=True)
    if form.validate_on_submit():
        evidence = (
            evidence_service.load_evidence(db.session, engagement, form.evidence_id.data)
            if form.evidence_id.data
            else None
        )
        return committed(
            lambda: sampling.record_result(
                db.session,
                engagement,
                item,
                current_user,
                now_utc(),
                result=form.result.data,
                note=form.note.data,
                evidence=evidence,
            ),
            refused=sampling.SamplingError,
            back=url_for(".samples_page", engagement_id=engagement_id, sample=sample_id),
        )
    return redirect(url_for(".samples_page", engagement_id=engagement_id, sample=sample_id)), 303


@bp.get("/samples/worksheet.xlsx")
@login_required
def worksheet(engagement_id: int):
    """The field worksheet of the chosen (or latest) sample; an empty one when nothing was drawn yet."""
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    _all, sample = _selected_sample(engagement)
    header, rows = sampling.worksheet_rows(sample) if sample else (["序号"], [])
    body = xlsx_bytes([(_("抽样核查工作底稿"), header, rows)])
    name = f"sample-{sample.id if sample else 0}-seed-{sample.seed if sample else 0}.xlsx"
    return xlsx_download(body, name)
