"""Materials pages: upload, the detected layout with a preview to confirm or change, review of a 目标表/自评表
draft cell by cell, commit; the imports list. Thin: parse, authorize, call services."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import bounds
from ..db import db
from ..engagements.service import load_engagement_for_user
from ..evidence.service import EvidenceError
from ..evidence.store import BlobTooLarge, StorageFull
from ..indicators.target_text import parse_target
from ..web import current_store, now_utc, transaction
from . import drafts, service
from .forms import ActionForm, MaterialUploadForm
from .models import DraftStatus
from .reading import column_letter

bp = Blueprint(
    "materials", __name__, template_folder="templates", url_prefix="/engagements/<int:engagement_id>/materials"
)
REFUSED = (service.MaterialError, EvidenceError, bounds.LimitExceeded)


def _limits() -> bounds.Limits:
    return bounds.limits_from(current_app.config)


def _upload_form(engagement) -> MaterialUploadForm:
    form = MaterialUploadForm()
    form.layout_id.choices = [(0, _("自动识别"))] + [
        (l.id, f"{service.KIND_LABELS[l.kind]} · {l.name}") for l in drafts.bureau_layouts(db.session, engagement)
    ]
    return form


def _page(engagement, form, errors=(), status=200, total=None):
    return render_template(
        "materials/index.html",
        engagement=engagement,
        form=form,
        errors=errors,
        error_total=total or len(errors),
        imports=service.list_imports(db.session, engagement),
        drafts=drafts.open_drafts(db.session, engagement),
        kind_labels=service.KIND_LABELS,
        limits=_limits(),
    ), status


@bp.get("")
@login_required
def index(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    return _page(engagement, _upload_form(engagement))


@bp.post("")
@login_required
def upload(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    form = _upload_form(engagement)
    if not form.validate_on_submit() or not form.file.data:
        flash(_("请选择材料类型和要导入的 Excel 文件"), "error")
        return _page(engagement, form, status=422)
    try:
        with transaction():
            draft = drafts.start_draft(
                db.session,
                current_store(),
                engagement,
                current_user,
                now_utc(),
                kind=form.kind.data,
                stream=form.file.data.stream,
                filename=form.file.data.filename,
                max_bytes=current_app.config["EVIDENCE_MAX_FILE_BYTES"],
                name=form.name.data,
                key_column=form.key_column.data,
                layout_id=form.layout_id.data or None,
                limits=_limits(),
            )
    except REFUSED as error:
        flash(f"{form.file.data.filename}：{error}", "error")
        return _page(engagement, form, status=422)
    except (BlobTooLarge, StorageFull):
        flash(_("文件过大或存储空间不足，未导入"), "error")
        return _page(engagement, form, status=413)
    return redirect(url_for(".draft", engagement_id=engagement_id, draft_id=draft.id)), 303


@bp.get("/drafts/<int:draft_id>")
@login_required
def draft(engagement_id: int, draft_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    return _draft_page(engagement, drafts.load_draft(db.session, engagement, draft_id))


def _draft_page(engagement, draft, errors=(), status=200, total=None):
    template = "materials/review.html" if draft.status == DraftStatus.review else "materials/mapping.html"
    return render_template(
        template,
        engagement=engagement,
        draft=draft,
        errors=errors,
        error_total=total or len(errors),
        form=ActionForm(),
        kind_labels=service.KIND_LABELS,
        sections=service.SECTION_FIELDS,
        layouts=drafts.bureau_layouts(db.session, engagement, draft.kind),
        corrections=drafts.corrections(draft),
        letter=column_letter,
        mapped=_mapped(draft),
        parse_target=parse_target,
    ), status


def _mapped(draft) -> dict[str, set[str]]:
    """Per section, the fields with a column in the file (the review table shows only those)."""
    mapped: dict[str, set[str]] = {}
    for key in ((draft.table or {}).get("review") or {}).get("letters", {}):
        section, name = key.split(".", 1)
        mapped.setdefault(section, set()).update({name, "item"} if section == "budget" else {name})
    return mapped


def _posted_draft(engagement_id: int, draft_id: int):
    """The engagement and draft of a post to a draft page, or None when the form (CSRF) is not valid."""
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    draft = drafts.load_draft(db.session, engagement, draft_id)
    return (engagement, draft) if ActionForm().validate_on_submit() else None


@bp.post("/drafts/<int:draft_id>/mapping")
@login_required
def mapping(engagement_id: int, draft_id: int):
    posted = _posted_draft(engagement_id, draft_id)
    if posted is None:
        return redirect(url_for(".draft", engagement_id=engagement_id, draft_id=draft_id)), 303
    engagement, draft = posted
    choice = choice_from_form(request.form, draft)
    if request.form.get("action") == "refresh":
        return _run(engagement, draft, lambda: drafts.refresh(db.session, current_store(), draft, choice, _limits()))
    return _run(
        engagement,
        draft,
        lambda: drafts.confirm_mapping(
            db.session,
            current_store(),
            draft,
            engagement,
            current_user,
            now_utc(),
            choice,
            layout_name=request.form.get("layout_name"),
            max_bytes=current_app.config["EVIDENCE_MAX_FILE_BYTES"],
            limits=_limits(),
        ),
    )


@bp.post("/drafts/<int:draft_id>/review")
@login_required
def review(engagement_id: int, draft_id: int):
    posted = _posted_draft(engagement_id, draft_id)
    if posted is None:
        return redirect(url_for(".draft", engagement_id=engagement_id, draft_id=draft_id)), 303
    engagement, draft = posted
    edits = cell_edits(request.form)

    def save_and_maybe_commit():
        drafts.edit_cells(db.session, draft, engagement, current_user, now_utc(), edits)
        if request.form.get("action") == "commit":
            return drafts.commit(
                db.session,
                current_store(),
                draft,
                engagement,
                current_user,
                now_utc(),
                max_bytes=current_app.config["EVIDENCE_MAX_FILE_BYTES"],
                limits=_limits(),
            )
        return None

    return _run(engagement, draft, save_and_maybe_commit, keep_edits=True)


@bp.post("/drafts/<int:draft_id>/discard")
@login_required
def discard(engagement_id: int, draft_id: int):
    posted = _posted_draft(engagement_id, draft_id)
    if posted is not None:
        engagement, draft = posted
        with transaction():
            drafts.discard(db.session, draft, engagement, current_user, now_utc())
        flash(_("已放弃该导入。"), "success")
    return redirect(url_for(".index", engagement_id=engagement_id)), 303


def _run(engagement, draft, change, keep_edits=False):
    """One transaction: the import (or the saved step) commits whole, or a refusal rolls everything back and the
    page shows every error. Review edits are kept even when the commit after them is refused."""
    try:
        with transaction():
            material = change()
    except service.ImportRefused as refused:
        if keep_edits:
            with transaction():
                drafts.edit_cells(db.session, draft, engagement, current_user, now_utc(), cell_edits(request.form))
        flash(_("文件有 %(n)s 处错误，未导入任何数据。请修改后重新提交。", n=refused.total), "error")
        return _draft_page(engagement, draft, refused.errors, 422, refused.total)
    except REFUSED as error:
        flash(str(error), "error")
        return _draft_page(engagement, draft, status=422)
    if material is not None and hasattr(material, "row_count"):
        flash(_("已导入 %(name)s：%(n)s 行。", name=material.name, n=material.row_count), "success")
        if material.kind == "target_sheet":
            return redirect(url_for("indicators.tree", engagement_id=engagement.id)), 303
        return redirect(url_for(".index", engagement_id=engagement.id)), 303
    return redirect(url_for(".draft", engagement_id=engagement.id, draft_id=draft.id)), 303


def choice_from_form(form, draft) -> dict:
    """The mapping page's fields: header rows per section (as Excel numbers them) and a column per field."""
    current = (draft.table or {}).get("choice") or {"sheet": form.get("sheet"), "sections": {}}
    sections = {}
    for section in service.KIND_SECTIONS[draft.kind]:
        old = current["sections"].get(section, {})
        top = _int(form.get(f"top-{section}"), (old.get("top", 0)) + 1) - 1
        bottom = max(_int(form.get(f"bottom-{section}"), (old.get("bottom", top)) + 1) - 1, top)
        columns = {f.name: _int(form.get(f"col-{section}-{f.name}"), None) for f in service.fields_for(section)}
        sections[section] = {
            "top": max(top, 0),
            "bottom": bottom,
            "columns": {k: v - 1 for k, v in columns.items() if v},
        }
    return {"sheet": form.get("sheet") or current.get("sheet"), "sections": sections}


def cell_edits(form) -> dict[tuple[int, str], str]:
    edits = {}
    for key, value in form.items():
        if key.startswith("cell-"):
            _cell, index, name = key.split("-", 2)
            if index.isdigit():
                edits[(int(index), name)] = value
    return edits


def _int(text, default):
    try:
        return int(text)
    except (TypeError, ValueError):
        return default
