"""Evaluator pages: distributions with QR codes and posters, responses with quality flags, exports."""

from __future__ import annotations

import csv
import io
from datetime import timezone

import segno
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask import Response as HTTPResponse
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from .. import formatting as fmt
from ..db import db
from ..engagements.service import load_engagement_for_user
from ..instruments import service as instruments
from ..pagination import paginate
from ..spreadsheets import safe_cell, xlsx_bytes
from ..web import XLSX, form_errors, get_or_404, now_utc, transaction
from . import exports, service
from .forms import DistributionForm, InvalidateForm, PlainForm
from .models import Distribution, Response

bp = Blueprint(
    "questionnaires", __name__, template_folder="templates", url_prefix="/engagements/<int:engagement_id>/surveys"
)


def _distribution(engagement, distribution_id: int) -> Distribution:
    return get_or_404(Distribution, distribution_id, engagement=engagement)


def _form(engagement) -> DistributionForm:
    form = DistributionForm()
    form.instrument_id.choices = [
        (i.id, i.title) for i in instruments.engagement_instruments(db.session, engagement, "questionnaire")
    ]
    if not form.is_submitted() and not form.sponsor.data:
        form.sponsor.data = service.default_sponsor(engagement)
    return form


def public_url(distribution: Distribution) -> str:
    return url_for("respond.survey", token=distribution.token, _external=True)


@bp.get("")
@login_required
def index(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    distributions = list(
        db.session.scalars(
            select(Distribution).where(Distribution.engagement_id == engagement.id).order_by(Distribution.id)
        )
    )
    counts = dict(
        db.session.execute(
            select(Response.distribution_id, func.count(Response.id))
            .join(Response.distribution)
            .where(Distribution.engagement_id == engagement.id, Response.invalid_reason.is_(None))
            .group_by(Response.distribution_id)
        ).all()
    )
    return render_template(
        "questionnaires/index.html",
        engagement=engagement,
        distributions=distributions,
        counts=counts,
        form=_form(engagement),
        plain=PlainForm(),
        now=now_utc(),
        public_url=public_url,
    )


@bp.post("")
@login_required
def create(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    form = _form(engagement)
    if not form.validate_on_submit():
        flash(_("无法创建渠道：%(e)s", e=form_errors(form)), "error")
        return redirect(url_for(".index", engagement_id=engagement_id)), 303
    instrument = instruments.load_instrument(db.session, engagement, form.instrument_id.data)
    local = lambda v: v.replace(tzinfo=fmt.local_zone()).astimezone(timezone.utc) if v else None  # noqa: E731
    fields = service.DistributionFields(
        name=form.name.data.strip(),
        stratum=form.stratum.data.strip(),
        opens_at=local(form.opens_at.data),
        closes_at=local(form.closes_at.data),
        quota=form.quota.data,
        population=form.population.data,
        one_per_device=bool(form.one_per_device.data),
        sponsor=(form.sponsor.data or "").strip(),
        contact=(form.contact.data or "").strip(),
    )
    if fields.opens_at and fields.closes_at and fields.closes_at <= fields.opens_at:
        flash(_("截止时间必须晚于开放时间"), "error")
        return redirect(url_for(".index", engagement_id=engagement_id)), 303
    with transaction():
        service.create_distribution(db.session, instrument, current_user, now_utc(), fields)
    flash(_("已创建发放渠道"), "success")
    return redirect(url_for(".index", engagement_id=engagement_id)), 303


@bp.post("/<int:distribution_id>/close")
@login_required
def close(engagement_id: int, distribution_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    distribution = _distribution(engagement, distribution_id)
    if PlainForm().validate_on_submit():
        with transaction():
            service.close_distribution(db.session, distribution, current_user, now_utc())
        flash(_("渠道已关闭"), "success")
    return redirect(url_for(".index", engagement_id=engagement_id)), 303


@bp.get("/<int:distribution_id>/qr.png", defaults={"fmt": "png"})
@bp.get("/<int:distribution_id>/qr.svg", defaults={"fmt": "svg"})
@login_required
def qr(engagement_id: int, distribution_id: int, fmt: str):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    distribution = _distribution(engagement, distribution_id)
    buffer = io.BytesIO()
    segno.make(public_url(distribution), error="m").save(buffer, kind=fmt, scale=10 if fmt == "png" else 4, border=2)
    mimetype = "image/png" if fmt == "png" else "image/svg+xml"
    return HTTPResponse(
        buffer.getvalue(),
        mimetype=mimetype,
        headers={"Content-Disposition": f"inline; filename=survey-{distribution.id}.{fmt}"},
    )


@bp.get("/<int:distribution_id>/poster")
@login_required
def poster(engagement_id: int, distribution_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    distribution = _distribution(engagement, distribution_id)
    svg = segno.make(public_url(distribution), error="m").svg_inline(scale=8, border=2)
    return render_template(
        "questionnaires/poster.html",
        engagement=engagement,
        distribution=distribution,
        qr_svg=svg,
        url=public_url(distribution),
    )


@bp.get("/responses")
@login_required
def responses(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    query = (
        select(Response)
        .join(Response.distribution)
        .options(contains_eager(Response.distribution))
        .where(Distribution.engagement_id == engagement.id)
    )
    distribution_id = request.args.get("distribution_id", type=int)
    stratum = request.args.get("stratum") or None
    if distribution_id:
        query = query.where(Response.distribution_id == distribution_id)
    if stratum:
        query = query.where(Distribution.stratum == stratum)
    page = paginate(
        db.session,
        query.order_by(Response.id.desc()),
        request.args.get("page", 1, type=int),
        current_app.config["PAGE_SIZE"],
    )
    distributions = list(db.session.scalars(select(Distribution).where(Distribution.engagement_id == engagement.id)))
    return render_template(
        "questionnaires/responses.html",
        engagement=engagement,
        page=page,
        distributions=distributions,
        flag_labels=exports.FLAG_LABELS,
        strata=sorted({d.stratum for d in distributions}),
    )


def _response(engagement, response_id: int) -> Response:
    return get_or_404(
        Response, response_id, allowed=lambda response: response.distribution.engagement_id == engagement.id
    )


@bp.get("/responses/<int:response_id>")
@login_required
def response_detail(engagement_id: int, response_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    response = _response(engagement, response_id)
    return render_template(
        "questionnaires/response.html",
        engagement=engagement,
        response=response,
        definition=response.version.definition,
        form=InvalidateForm(),
        plain=PlainForm(),
        flag_labels=exports.FLAG_LABELS,
        columns=exports.answer_columns(response.version.definition),
        cell=exports.cell_value,
        label=exports._label,
    )


@bp.post("/responses/<int:response_id>/invalidate")
@login_required
def invalidate(engagement_id: int, response_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    response = _response(engagement, response_id)
    form = InvalidateForm()
    if form.validate_on_submit():
        with transaction():
            service.mark_invalid(db.session, response, current_user, now_utc(), form.reason.data)
        flash(_("已标记为无效（答卷保留）"), "success")
    else:
        flash(_("标记无效必须填写原因"), "error")
    return redirect(url_for(".response_detail", engagement_id=engagement_id, response_id=response_id)), 303


@bp.post("/responses/<int:response_id>/restore")
@login_required
def restore(engagement_id: int, response_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user, for_write=True)
    response = _response(engagement, response_id)
    if PlainForm().validate_on_submit():
        with transaction():
            service.mark_valid(db.session, response, current_user, now_utc())
    return redirect(url_for(".response_detail", engagement_id=engagement_id, response_id=response_id)), 303


@bp.get("/instruments/<int:instrument_id>/responses.xlsx", defaults={"fmt": "xlsx"})
@bp.get("/instruments/<int:instrument_id>/responses.csv", defaults={"fmt": "csv"})
@login_required
def export(engagement_id: int, instrument_id: int, fmt: str):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    instrument = instruments.load_instrument(db.session, engagement, instrument_id)
    header, rows = exports.export_table(
        db.session, instrument, request.args.get("distribution_id", type=int), request.args.get("stratum") or None
    )
    if fmt == "xlsx":
        body = xlsx_bytes([(_("答卷"), header, rows)])
        mimetype = XLSX
    else:
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow([safe_cell(h) for h in header])
        writer.writerows([[safe_cell(v) for v in row] for row in rows])
        body, mimetype = ("\ufeff" + text.getvalue()).encode("utf-8"), "text/csv"
    return HTTPResponse(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f"attachment; filename=responses-{instrument.id}.{fmt}"},
    )
