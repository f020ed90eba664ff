"""Materials page: upload with a full error report, imports list, saved column mappings."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..db import db
from ..engagements.service import load_engagement_for_user
from ..evidence.service import EvidenceError
from ..evidence.store import BlobStore, BlobTooLarge, StorageFull
from ..web import now_utc
from . import service
from .forms import MaterialUploadForm
from .parsers import BUDGET_FIELDS, INDICATOR_FIELDS, LEDGER_FIELDS

bp = Blueprint("materials", __name__, template_folder="templates",
               url_prefix="/engagements/<int:engagement_id>/materials")
FIELD_LABELS = {"ledger": {f.label: f.name for f in LEDGER_FIELDS},
                "self_assessment": {**{f.label: f.name for f in BUDGET_FIELDS},
                                    **{f.label: f"indicator.{f.name}" for f in INDICATOR_FIELDS}},
                "declared_list": {}}


def _page(engagement, form, errors=(), status=200):
    return render_template("materials/index.html", engagement=engagement, form=form, errors=errors,
                           imports=service.list_imports(db.session, engagement),
                           kind_labels=service.KIND_LABELS), status


@bp.get("")
@login_required
def index(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    return _page(engagement, MaterialUploadForm())


@bp.post("")
@login_required
def upload(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    form = MaterialUploadForm()
    if not form.validate_on_submit() or not form.file.data:
        flash(_("请选择材料类型和要导入的 Excel 文件"), "error")
        return _page(engagement, form, status=422)
    mapping, unknown = parse_mapping(form.mapping.data or "", FIELD_LABELS[form.kind.data])
    if unknown:
        flash(_("表头对应中有无法识别的标准表头：%(h)s", h="、".join(unknown)), "error")
        return _page(engagement, form, status=422)
    try:
        material = service.import_material(
            db.session, BlobStore(current_app.config["STORAGE_DIR"]), engagement, current_user, now_utc(),
            kind=form.kind.data, stream=form.file.data.stream, filename=form.file.data.filename,
            max_bytes=current_app.config["EVIDENCE_MAX_FILE_BYTES"], name=form.name.data,
            key_column=form.key_column.data, mapping=mapping)
    except service.ImportRefused as refused:
        db.session.rollback()
        flash(_("文件有 %(n)s 处错误，未导入任何数据。请修改后重新上传。", n=len(refused.errors)), "error")
        return _page(engagement, form, refused.errors, 422)
    except (service.MaterialError, EvidenceError) as error:
        db.session.rollback()
        flash(str(error), "error")
        return _page(engagement, form, status=422)
    except (BlobTooLarge, StorageFull):
        db.session.rollback()
        flash(_("文件过大或存储空间不足，未导入"), "error")
        return _page(engagement, form, status=413)
    db.session.commit()
    flash(_("已导入 %(name)s：%(n)s 行。", name=material.name, n=material.row_count), "success")
    return redirect(url_for(".index", engagement_id=engagement_id)), 303


def parse_mapping(text: str, labels: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """'标准表头=文件中的表头' lines → {field: header}; unknown standard headers are returned to report."""
    mapping, unknown = {}, []
    for line in text.replace("＝", "=").splitlines():
        if "=" not in line:
            continue
        standard, found = (part.strip() for part in line.split("=", 1))
        if standard in labels and found:
            mapping[labels[standard]] = found
        elif standard:
            unknown.append(standard)
    return mapping, unknown
