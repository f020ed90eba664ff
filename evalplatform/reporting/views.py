"""Report pages: narrative with autosave, review actions, draft rendering with progress, downloads."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import jobs, policy
from ..crosscheck import findings as crosscheck_findings
from ..db import db
from ..engagements.service import load_engagement_for_user
from ..evidence import service as evidence_service
from ..evidence.downloads import send_evidence
from ..evidence.models import Evidence
from ..web import current_store, error_page, found_or_404, get_or_404, now_utc, transaction
from . import annexes, readiness, review, service, wording
from .forms import AnnexForm, CommentForm, HeaderForm, SectionForm
from .models import NARRATIVE_SECTIONS, RenderJob, RenderJobStatus, ReportStatus

bp = Blueprint("reporting", __name__, template_folder="templates", url_prefix="/engagements/<int:engagement_id>/report")
ACTIONS = {"submit", "return", "approve", "issue", "reopen"}


def _load(engagement_id: int, for_write: bool = False):
    """The firm's report page and actions (working papers: the bureau side reads issued versions in its portal)."""
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=for_write)
    return engagement, service.report_for(db.session, engagement)


def _refused(error: Exception, engagement_id: int):
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error=str(error)), 409
    flash(str(error), "error")
    return redirect(url_for(".page", engagement_id=engagement_id), 303)


@bp.get("")
@login_required
def page(engagement_id: int):
    engagement, report = _load(engagement_id)
    return render_template(
        "reporting/report.html",
        engagement=engagement,
        report=report,
        findings=crosscheck_findings.findings(db.session, engagement),
        sections=NARRATIVE_SECTIONS,
        guidance=wording.guidance(),
        header_form=HeaderForm(obj=report),
        section_form=SectionForm(),
        comment_form=CommentForm(),
        statuses=ReportStatus,
        annex_form=AnnexForm(),
        **_review_facts(engagement, report),
    )


def _review_facts(engagement, report) -> dict:
    """Four eyes, shown where the reviewer decides: who changed this version, what changed under review."""
    if report is None:
        return {
            "editors": {},
            "review_edits": [],
            "annexes_pending": [],
            "annexes_issued": {},
            "evidence": [],
            "problems": [],
        }
    people = {m.user_id: m.user.display_name for m in engagement.team}
    return {
        "editors": {
            people.get(a, _("系统")): s.text()
            for a, s in review.summary_by_actor(review.edits_of_version(db.session, report)).items()
        },
        "review_edits": review.edits_during_review(db.session, report),
        "people": people,
        "edit_label": review.label,
        "annexes_pending": annexes.pending(db.session, report),
        "annexes_issued": annexes.issued(db.session, report),
        "evidence": evidence_service.evidence_index(db.session, engagement),
        "problems": readiness.problems(db.session, report) if report.status is not ReportStatus.issued else [],
    }


@bp.post("/start")
@login_required
def start(engagement_id: int):
    engagement, _report = _load(engagement_id, for_write=True)
    if not CommentForm().validate_on_submit():
        abort(400)
    with transaction():
        service.start_report(db.session, engagement, current_user, now_utc())
    return redirect(url_for(".page", engagement_id=engagement_id), 303)


@bp.post("/header")
@login_required
def header(engagement_id: int):
    _engagement, report = _load(engagement_id, for_write=True)
    form = HeaderForm()
    if report is None or not form.validate_on_submit():
        flash(_("请填写报告标题（不超过 200 个字符）"), "error")
        return redirect(url_for(".page", engagement_id=engagement_id), 303)
    try:
        with transaction():
            service.update_header(db.session, report, form.title.data, form.number.data, current_user, now_utc())
    except service.ReportError as error:
        return _refused(error, engagement_id)
    return redirect(url_for(".page", engagement_id=engagement_id), 303)


@bp.post("/sections/<key>")
@login_required
def save_section(engagement_id: int, key: str):
    _engagement, report = _load(engagement_id, for_write=True)
    form = SectionForm()
    if report is None or key not in NARRATIVE_SECTIONS:
        abort(404)  # no report yet, or a section key no report has: not an id lookup
    if not form.validate_on_submit():
        return jsonify(error="；".join(form.body.errors) or _("无效的请求")), 422
    try:
        with transaction():
            section = service.save_section(db.session, report, key, form.body.data or "", current_user, now_utc())
    except service.ReportError as error:
        return _refused(error, engagement_id)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(saved_at=section.updated_at.isoformat(), chars=len(section.body))
    flash(_("已保存。"), "success")
    return redirect(url_for(".page", engagement_id=engagement_id), 303)


@bp.post("/drafts")
@login_required
def drafts(engagement_id: int):
    """生成初稿: fill the empty sections from the data; text already written stays as it is."""
    engagement, report = _load(engagement_id, for_write=True)
    if report is None or not CommentForm().validate_on_submit():
        abort(400)
    try:
        with transaction():
            filled = service.generate_drafts(
                db.session, report, current_store(), current_user, now_utc(), firm_name=engagement.firm.name
            )
    except service.ReportError as error:
        return _refused(error, engagement_id)
    flash(
        _("已为 %(n)s 个空白章节生成初稿，请逐节修改。", n=len(filled))
        if filled
        else _("各章节均已有内容，未作改动。"),
        "success",
    )
    return redirect(url_for(".page", engagement_id=engagement_id), 303)


@bp.post("/<action>")
@login_required
def act(engagement_id: int, action: str):
    _engagement, report = _load(engagement_id, for_write=True)
    if action not in ACTIONS:
        abort(404)  # an unknown action in the path: no such page, not an id lookup
    form = CommentForm()
    if report is None or not form.validate_on_submit():
        abort(400)
    now, comment, override = now_utc(), form.comment.data or "", form.override_reason.data or None
    steps = {
        "submit": lambda: service.submit(db.session, report, current_user, now, override),
        "return": lambda: service.return_for_changes(db.session, report, current_user, now, comment),
        "approve": lambda: service.approve(db.session, report, current_user, now),
        "reopen": lambda: service.reopen(db.session, report, current_user, now, comment),
        "issue": lambda: service.issue(
            db.session,
            report,
            current_store(),
            current_user,
            now,
            firm_name=report.engagement.firm.name,
            override_reason=override,
        ),
    }
    try:
        with transaction():
            steps[action]()
    except service.ReportError as error:
        return _refused(error, engagement_id)
    flash(_("操作已完成。"), "success")
    return redirect(url_for(".page", engagement_id=engagement_id), 303)


@bp.post("/render")
@login_required
def render(engagement_id: int):
    engagement, report = _load(engagement_id, for_write=True)
    if report is None or not CommentForm().validate_on_submit():
        abort(400)
    with transaction():
        job = service.create_render_job(db.session, report, now_utc())
    config = current_app.config
    try:
        jobs.enqueue(
            config, service.run_render_job, config["DATABASE_URL"], config["STORAGE_DIR"], job.id, engagement.firm.name
        )
    except Exception:  # noqa: BLE001 - the job row already says "failed"; the page shows it
        current_app.logger.exception("draft rendering failed")
    if request.accept_mimetypes.best == "application/json":
        return jsonify(job_id=job.id, status_url=url_for(".job_status", engagement_id=engagement_id, job_id=job.id))
    return redirect(url_for(".page", engagement_id=engagement_id, job=job.id), 303)


def _job(report, job_id: str) -> RenderJob:
    return get_or_404(RenderJob, job_id, allowed=lambda job: report is not None and job.report_id == report.id)


@bp.get("/jobs/<job_id>")
@login_required
def job_status(engagement_id: int, job_id: str):
    _engagement, report = _load(engagement_id, for_write=True)
    job = _job(report, job_id)
    download = (
        url_for(".job_pdf", engagement_id=engagement_id, job_id=job.id) if job.status == RenderJobStatus.done else None
    )
    return jsonify(status=job.status, progress=job.progress, pages=job.pages, error=job.error, download_url=download)


@bp.get("/jobs/<job_id>/pdf")
@login_required
def job_pdf(engagement_id: int, job_id: str):
    _engagement, report = _load(engagement_id, for_write=True)
    job = _job(report, job_id)
    if job.pdf_sha256 is None:
        abort(404)  # the job has no PDF (yet): the job itself came from get_or_404
    path = current_store().path_for(job.pdf_sha256)
    if not path.exists():  # drafts are not in backups: after a restore the row is there, the file is not
        return error_page(410, _("草稿已失效"), _("这份草稿 PDF 已不存在（例如系统从备份恢复后），请重新生成草稿。"))
    return send_file(
        path, mimetype="application/pdf", as_attachment=True, download_name=f"{report.title}-征求意见稿.pdf"
    )


@bp.get("/versions/<int:version>/<kind>")
@login_required
def version_file(engagement_id: int, version: int, kind: str):
    _engagement, report = _load(engagement_id)
    return send_evidence(
        found_or_404(policy.issued_file(db.session, current_user, report, version, kind) if report else None)
    )


@bp.post("/annexes")
@login_required
def annex(engagement_id: int):
    """Attach an evidence original to (or remove it from) the version being prepared."""
    engagement, report = _load(engagement_id, for_write=True)
    form = AnnexForm()
    if report is None or not form.validate_on_submit():
        abort(400)
    evidence = get_or_404(Evidence, form.evidence_id.data, engagement=engagement)
    change = service.detach_annex if form.remove.data else service.attach_annex
    try:
        with transaction():
            change(db.session, report, evidence, current_user, now_utc())
    except (service.ReportError, annexes.AnnexError) as error:
        return _refused(error, engagement_id)
    return redirect(url_for(".page", engagement_id=engagement_id, _anchor="annexes"), 303)
