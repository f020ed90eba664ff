"""The engagement's audit trail page (read-only). Here, not in audit/: audit sits below engagements
(design.md §2); the blueprint keeps its name, so its URLs and endpoints are unchanged."""
from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from ..audit.models import AuditEvent
from ..db import db
from ..pagination import paginate
from .service import load_engagement_for_user

bp = Blueprint("audit", __name__, template_folder="templates")


@bp.get("/engagements/<int:engagement_id>/audit")
@login_required
def engagement_log(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    query = select(AuditEvent).where(AuditEvent.engagement_id == engagement.id).order_by(AuditEvent.seq.desc())
    page = paginate(db.session, query, request.args.get("page", 1, type=int), 50)
    return render_template("audit/log.html", engagement=engagement, page=page)
