"""The engagement's audit trail page (read-only). Here, at the top of the layers (design.md §2), not in audit/
or engagements/: it names what every domain's events touch (sections, material kinds, questions); the blueprint
keeps its name, so its URLs and endpoints are unchanged."""

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from ..audit.describe import describe
from ..audit.models import AuditEvent
from ..db import db
from ..engagements.service import load_engagement_for_user
from ..instruments import service as instruments
from ..instruments.wording import labels_by_code
from ..materials.service import KIND_LABELS as MATERIAL_KINDS
from ..pagination import paginate
from .models import NARRATIVE_SECTIONS

bp = Blueprint("audit", __name__, template_folder="templates")


@bp.get("/engagements/<int:engagement_id>/audit")
@login_required
def engagement_log(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    query = select(AuditEvent).where(AuditEvent.engagement_id == engagement.id).order_by(AuditEvent.seq.desc())
    page = paginate(db.session, query, request.args.get("page", 1, type=int), 50)
    names = {
        **NARRATIVE_SECTIONS,
        **MATERIAL_KINDS,
        **labels_by_code(i.latest.definition for i in instruments.engagement_instruments(db.session, engagement)),
    }
    return render_template(
        "audit/log.html",
        engagement=engagement,
        page=page,
        described={event.id: describe(event, names) for event in page.items},
    )
