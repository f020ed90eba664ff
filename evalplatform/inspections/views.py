"""Inspection pages: the list, the offline app (page, checklist JSON, manifest, service worker), the sync
API the app's queue talks to, and the printable 勘查记录表. Every route loads the engagement first."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from ..db import db
from ..engagements.service import load_engagement_for_user
from ..evidence.store import StorageFull
from ..spreadsheets import xlsx_bytes
from ..web import assets_digest, current_store, now_utc, transaction, xlsx_download
from . import checklist, service
from .forms import AddChecklistForm

bp = Blueprint(
    "inspections", __name__, template_folder="templates", url_prefix="/engagements/<int:engagement_id>/inspections"
)

SYNC_OPERATIONS = {
    "start": service.start_inspection,
    "entry": service.record_entry,
    "finish": service.finish_inspection,
}


def _load(engagement_id: int, for_write: bool = False):
    return load_engagement_for_user(db.session, engagement_id, current_user, for_write=for_write)


def _checklist_form() -> AddChecklistForm:
    form = AddChecklistForm()
    form.template.choices = [(t["name"], t["title"]) for t in checklist.checklist_templates()]
    return form


@bp.get("")
@login_required
def index(engagement_id: int):
    engagement = _load(engagement_id)
    return render_template(
        "inspections/index.html",
        engagement=engagement,
        inspections=service.list_inspections(db.session, engagement),
        checklists=service.engagement_checklists(db.session, engagement),
        form=_checklist_form(),
    )


@bp.post("/checklists")
@login_required
def add_checklist(engagement_id: int):
    engagement = _load(engagement_id, for_write=True)
    form = _checklist_form()
    if form.validate_on_submit():
        with transaction():
            instrument = service.add_checklist(db.session, engagement, current_user, now_utc(), form.template.data)
        flash(_("已添加勘查表：%(title)s", title=instrument.title), "success")
    else:
        flash(_("请选择勘查表模板"), "error")
    return redirect(url_for(".index", engagement_id=engagement.id))


# ---- the offline app ----------------------------------------------------------------------------------


@bp.get("/app")
@login_required
def app_page(engagement_id: int):
    engagement = _load(engagement_id)
    can_write = current_user.role.is_firm_role and not engagement.is_locked
    return render_template("inspections/app.html", engagement=engagement, can_write=can_write)


@bp.get("/app.json")
@login_required
def app_data(engagement_id: int):
    """Sites and checklists for the app; the service worker keeps the last copy for offline use."""
    engagement = _load(engagement_id)
    return jsonify(
        {
            "engagement": {"id": engagement.id, "title": engagement.title},
            "user": current_user.display_name,
            "sites": [{"id": s.id, "name": s.name, "address": s.address} for s in engagement.sites],
            "checklists": [
                {"version_id": v.id, "title": v.definition.get("title"), "definition": v.definition}
                for v in service.engagement_checklists(db.session, engagement)
            ],
            "results": [[code, label] for code, label in checklist.RESULTS.items()],
        }
    )


@bp.get("/manifest.webmanifest")
@login_required
def manifest(engagement_id: int):
    engagement = _load(engagement_id)
    body = {
        "name": _("现场勘查") + " · " + engagement.title,
        "short_name": _("现场勘查"),
        "start_url": url_for(".app_page", engagement_id=engagement.id),
        "scope": url_for(".index", engagement_id=engagement.id) + "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1f4e79",
        "lang": "zh-CN",
        "icons": [{"src": url_for("static", filename="img/inspect-icon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    return current_app.response_class(current_app.json.dumps(body), mimetype="application/manifest+json")


@bp.get("/sw.js")
@login_required
def service_worker(engagement_id: int):
    engagement = _load(engagement_id)
    script = render_template("inspections/sw.js", engagement=engagement, version=_assets_version(), assets=APP_ASSETS)
    response = Response(script, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


# What the service worker caches for offline use: the app's stylesheets, scripts (inspect.js and every ES
# module it imports from js/inspect/, found on disk so a new module is never left out) and icon.
INSPECT_MODULES = tuple(
    sorted(f"js/inspect/{p.name}" for p in (Path(__file__).parent.parent / "static" / "js" / "inspect").glob("*.js"))
)
APP_ASSETS = ("css/app.css", "css/inspect.css", "js/app.js", "js/inspect.js", *INSPECT_MODULES, "img/inspect-icon.svg")
_assets_digest: dict[str, str] = {}


def _assets_version() -> str:
    """Changes whenever an app asset changes, so phones drop their cached copies."""
    folder = current_app.static_folder
    if folder not in _assets_digest or current_app.debug:
        _assets_digest[folder] = assets_digest(folder, APP_ASSETS)
    return _assets_digest[folder]


@bp.get("/token")
@login_required
def token(engagement_id: int):
    """A fresh CSRF token for the queue: a page reopened offline may hold an expired one."""
    _load(engagement_id)
    return jsonify({"csrf_token": generate_csrf()})


# ---- sync API -----------------------------------------------------------------------------------------


def _reply(outcome: service.Outcome, **extra):
    return jsonify({"ok": True, "id": outcome.obj.id, "created": outcome.created, **extra}), (
        201 if outcome.created else 200
    )


def _refused(error: service.InspectionError):
    status = 409 if isinstance(error, service.InspectionConflict) else 422
    return jsonify({"ok": False, "error": str(error), "errors": error.errors}), status


@bp.post("/sync")
@login_required
def sync(engagement_id: int):
    engagement = _load(engagement_id, for_write=True)
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or data.get("op") not in SYNC_OPERATIONS:
        return jsonify({"ok": False, "error": _("请求格式不正确")}), 400
    try:
        with transaction():
            outcome = SYNC_OPERATIONS[data["op"]](db.session, engagement, current_user, now_utc(), data)
    except service.InspectionError as error:
        return _refused(error)
    extra = {}
    if data["op"] == "finish":
        extra["record_url"] = url_for(".record", engagement_id=engagement.id, inspection_id=outcome.obj.id)
    return _reply(outcome, **extra)


@bp.post("/sync/photo")
@login_required
def sync_photo(engagement_id: int):
    engagement = _load(engagement_id, for_write=True)
    upload = request.files.get("file")
    if upload is None:
        return jsonify({"ok": False, "error": _("缺少照片文件"), "errors": {"file": _("缺少照片文件")}}), 422
    try:
        with transaction():
            outcome = service.add_photo(
                db.session,
                current_store(),
                engagement,
                current_user,
                now_utc(),
                inspection_uuid=request.form.get("inspection_uuid"),
                client_uuid=request.form.get("client_uuid"),
                purpose=request.form.get("purpose", "photo"),
                item_code=request.form.get("item_code") or None,
                stream=upload.stream,
                filename=upload.filename,
                max_bytes=current_app.config["EVIDENCE_MAX_FILE_BYTES"],
                taken_at=request.form.get("taken_at") or None,
            )
    except service.InspectionError as error:
        return _refused(error)
    except StorageFull:
        return jsonify({"ok": False, "error": _("存储空间不足，照片未保存，请联系管理员")}), 507
    return _reply(outcome, evidence_id=outcome.obj.evidence_id)


@bp.get("/map")
@login_required
def site_map(engagement_id: int):
    engagement = _load(engagement_id)
    return render_template(
        "inspections/map.html",
        engagement=engagement,
        points=service.map_points(db.session, engagement),
        width=800,
        height=520,
    )


@bp.get("/entries.xlsx")
@login_required
def export_entries(engagement_id: int):
    """勘查记录汇总: every item of every inspection with its latest result, value, note and photo codes."""
    engagement = _load(engagement_id)
    data = xlsx_bytes([("勘查记录汇总", service.ENTRIES_HEADER, service.entries_table(db.session, engagement))])
    return xlsx_download(data, f"{engagement.title}-勘查记录汇总.xlsx")


# ---- record sheet -------------------------------------------------------------------------------------


@bp.get("/<int:inspection_id>")
@login_required
def record(engagement_id: int, inspection_id: int):
    engagement = _load(engagement_id)
    inspection = service.load_inspection(db.session, engagement, inspection_id)
    return render_template(
        "inspections/record.html",
        engagement=engagement,
        sheet=service.record_sheet(inspection),
        problems=service.completeness_problems(inspection),
    )
