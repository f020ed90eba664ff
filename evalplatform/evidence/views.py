"""Evidence pages: index with upload, download/preview behind a permission check, tombstones, XLSX."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import bounds
from ..db import db
from ..engagements.service import load_engagement_for_user, load_site
from ..spreadsheets import xlsx_bytes
from ..web import current_store, form_errors, now_utc, transaction, xlsx_download
from . import previews, service
from .content import SAFE_INLINE_TYPES, RejectedContent
from .downloads import send_evidence
from .forms import DeleteEvidenceForm, UploadForm
from .store import BlobTooLarge, StorageFull

bp = Blueprint(
    "evidence", __name__, template_folder="templates", url_prefix="/engagements/<int:engagement_id>/evidence"
)


def _upload_form(engagement) -> UploadForm:
    form = UploadForm()
    form.site_id.choices = [(0, "—")] + [(s.id, s.name) for s in engagement.sites]
    return form


@bp.get("")
@login_required
def index(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    return render_template(
        "evidence/index.html",
        engagement=engagement,
        items=service.evidence_index(db.session, engagement),
        form=_upload_form(engagement),
        delete_form=DeleteEvidenceForm(),
    )


@bp.post("")
@login_required
def upload(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    form = _upload_form(engagement)
    wants_json = request.accept_mimetypes.best == "application/json"
    if not form.validate_on_submit():
        return _upload_reply(wants_json, engagement_id, [], [("", _("表单无效：%(e)s", e=form_errors(form)))], 422)
    site = load_site(db.session, engagement, form.site_id.data) if form.site_id.data else None
    client_uuid = _parse_uuid(form.client_uuid.data)
    files = [f for f in request.files.getlist("files") if f.filename or f.content_length]
    if not files:
        return _upload_reply(wants_json, engagement_id, [], [("", _("请选择要上传的文件"))], 422)
    with transaction():  # the accepted files, even when others were refused
        accepted, refused = _store_files(engagement, files, form, site, client_uuid if len(files) == 1 else None)
    status = 200 if accepted else (refused[0][2] if len(refused) == 1 else 422)
    return _upload_reply(wants_json, engagement_id, accepted, [(n, m) for n, m, _s in refused], status)


def _store_files(engagement, files, form, site, client_uuid):
    accepted, refused = [], []
    limits = bounds.limits_from(current_app.config)
    tags = [t.strip() for t in (form.tags.data or "").replace("，", ",").split(",") if t.strip()]
    for upload in files:
        name = _shown_name(upload.filename)
        try:
            result = service.store_upload(
                db.session,
                current_store(),
                engagement,
                current_user,
                now_utc(),
                stream=upload.stream,
                filename=upload.filename,
                max_bytes=current_app.config["EVIDENCE_MAX_FILE_BYTES"],
                client_uuid=client_uuid,
                description=form.description.data or None,
                tags=tags,
                site=site,
                limits=limits,
            )
            accepted.append(result.evidence)
        except service.EvidenceConflict as error:
            refused.append((name, str(error), 409))
        except (service.EvidenceError, RejectedContent) as error:
            refused.append((name, str(error), 422))
        except BlobTooLarge as error:
            refused.append((name, _("文件超过大小上限（%(mb)s MB）", mb=error.limit // 2**20), 413))
        except StorageFull:
            refused.append((name, _("存储空间不足，文件未保存，请联系管理员"), 507))
    return accepted, refused


def _shown_name(raw: str | None) -> str:
    """A refused file named as the UI names files: cleaned (a newline in a name no longer breaks the message)."""
    try:
        return service.clean_filename(raw)
    except service.EvidenceError:
        return raw or ""


def _upload_reply(wants_json, engagement_id, accepted, refused, status):
    if wants_json:
        return jsonify(
            accepted=[
                {
                    "id": e.id,
                    "code": e.code,
                    "sha256": e.blob_sha256,
                    "client_uuid": str(e.client_uuid) if e.client_uuid else None,
                }
                for e in accepted
            ],
            refused=[{"filename": n, "error": m} for n, m in refused],
        ), status
    if accepted:
        flash(_("已上传 %(n)s 个文件。", n=len(accepted)), "success")
    for name, message in refused:
        flash(f"{name}：{message}" if name else message, "error")
    return redirect(url_for(".index", engagement_id=engagement_id)), 303


def _parse_uuid(value):
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        abort(422)


def _load(engagement_id: int, evidence_id: int, for_write: bool = False):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=for_write)
    return engagement, service.load_evidence(db.session, engagement, evidence_id)


@bp.get("/<int:evidence_id>/download")
@login_required
def download(engagement_id: int, evidence_id: int):
    _engagement, evidence = _load(engagement_id, evidence_id)
    return send_evidence(evidence, inline=request.args.get("inline") == "1")


@bp.get("/<int:evidence_id>/preview")
@login_required
def preview(engagement_id: int, evidence_id: int):
    _engagement, evidence = _load(engagement_id, evidence_id)
    if evidence.mime not in SAFE_INLINE_TYPES:
        abort(404)  # no preview of this kind of file: the evidence itself came from load_evidence
    try:
        path = previews.thumbnail(current_store(), evidence.blob_sha256)
    except bounds.LimitExceeded:
        abort(404)  # a photo over a limit lowered since its upload: no thumbnail, the download still works
    response = send_file(path, mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.post("/<int:evidence_id>/delete")
@login_required
def delete(engagement_id: int, evidence_id: int):
    engagement, evidence = _load(engagement_id, evidence_id, for_write=True)
    form = DeleteEvidenceForm()
    if not form.validate_on_submit():
        flash(_("删除证据必须说明原因"), "error")
        return redirect(url_for(".index", engagement_id=engagement_id)), 303
    with transaction():
        service.delete_evidence(db.session, evidence, engagement, current_user, form.reason.data, now_utc())
    flash(_("证据 %(code)s 已删除（保留记录）。", code=evidence.code), "success")
    return redirect(url_for(".index", engagement_id=engagement_id)), 303


@bp.get("/index.xlsx")
@login_required
def export_index(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    header, rows = index_table(service.evidence_index(db.session, engagement))
    body = xlsx_bytes([(_("证据索引"), header, rows)])
    return xlsx_download(body, f"evidence-{engagement.id}.xlsx")


def index_table(items):
    header = [
        _("编号"),
        _("文件名"),
        _("类型"),
        _("大小（字节）"),
        "SHA-256",
        _("拍摄时间"),
        _("纬度"),
        _("经度"),
        _("勘查点"),
        _("上传人"),
        _("上传时间"),
        _("说明"),
        _("关联"),
    ]
    rows = [
        [
            e.code,
            e.original_filename,
            e.mime,
            e.size,
            e.blob_sha256,
            e.captured_at.isoformat() if e.captured_at else "",
            e.latitude,
            e.longitude,
            e.site.name if e.site else "",
            e.uploaded_by.display_name,
            e.uploaded_at.isoformat(),
            e.description or "",
            "; ".join(f"{l.target_type}:{l.target_id}" for l in e.links),
        ]
        for e in items
    ]
    return header, rows
