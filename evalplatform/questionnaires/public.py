"""The anonymous respondent flow: /s/<token> (the QR link) and the JSON submission it posts."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..db import db, statements_autocommit
from ..instruments.form import respondent_context
from ..instruments.schema import AnswerErrors
from ..web import assets_digest, csrf, found_or_404, now_utc, transaction
from . import service
from .models import DistributionState

bp = Blueprint("respond", __name__, template_folder="templates", url_prefix="/s")

STATE_PAGES = {
    DistributionState.closed: (_l("问卷已结束"), _l("本次问卷调查已经结束，感谢您的关注。")),
    DistributionState.not_open: (_l("问卷尚未开放"), _l("本次问卷调查尚未开始，请在开放时间内再次扫码。")),
    DistributionState.quota_full: (_l("样本已满"), _l("本渠道的样本数量已经收满，感谢您的参与意愿。")),
}


@bp.get("/<token>")
def survey(token: str):
    """At most two queries: the distribution with its version, and a count when a quota is set."""
    statements_autocommit(db.session)  # reads only
    distribution = found_or_404(service.public_distribution(db.session, token))
    state = service.public_state(db.session, distribution, now_utc())
    if state is not DistributionState.open:
        title, message = STATE_PAGES[state]
        return render_template(
            "questionnaires/respond_state.html", title=title, message=message, state=state
        ), 410 if state is not DistributionState.not_open else 200
    return render_template(
        "questionnaires/respond.html",
        **respond_context(
            service.distributed_definition(db.session, distribution),
            distribution,
            allow_again=not distribution.one_per_device,
        ),
    )


OFFLINE_ASSETS = ("js/expr.js", "js/respond.js", "css/respond.css")


def respond_context(definition: dict, distribution, allow_again: bool = False) -> dict:
    """respondent_context plus what the service worker keeps for a reload without network."""
    cache, assets = _offline_bundle(current_app.static_folder, current_app.static_url_path)
    return {
        **respondent_context(definition, distribution),
        "allow_again": allow_again,
        "offline_cache": cache,
        "offline_assets": list(assets),
    }


@functools.cache
def _offline_bundle(static_folder: str, static_url: str) -> tuple[str, tuple[str, ...]]:
    """The cache name changes with the assets' content, so a deployment replaces what phones keep."""
    cache = f"evalplatform-respond-{assets_digest(static_folder, OFFLINE_ASSETS)}"
    return cache, tuple(f"{static_url}/{name}" for name in OFFLINE_ASSETS)


@bp.get("/sw.js")
def worker():
    """The service worker, served under /s/ so that its scope covers every survey link."""
    cache, assets = _offline_bundle(current_app.static_folder, current_app.static_url_path)
    body = render_template("questionnaires/sw.js", cache=cache, assets=list(assets))
    return Response(body, mimetype="text/javascript", headers={"Cache-Control": "no-cache"})


# Anonymous and cookie-less: there is no session for a forged request to ride on, and a token tied to a
# session would expire under a slow respondent. Idempotency (client UUID) and validation protect it instead.
@bp.post("/<token>/responses")
@csrf.exempt
def submit(token: str):
    if not _same_origin():
        return _error(403, _("请求来源不正确"))
    limit = current_app.config.get("SURVEY_MAX_BODY_BYTES", 2 * 2**20)
    if (request.content_length or 0) > limit:
        return _error(413, _("提交内容过大"))
    raw = request.stream.read(limit + 1)
    if len(raw) > limit:
        return _error(413, _("提交内容过大"))
    try:
        submission = service.parse_submission(raw)
    except ValueError:
        return _error(400, _("提交格式不正确"))
    # Reads, then one INSERT … ON CONFLICT DO NOTHING that is atomic by itself (submit_response writes
    # nothing else): no transaction around them, two round trips to the database fewer per respondent.
    statements_autocommit(db.session)
    distribution = service.public_distribution(db.session, token)
    if distribution is None:
        return _error(404, _("问卷不存在"))
    try:
        with transaction():
            response, _created = service.submit_response(
                db.session,
                distribution,
                submission.client_uuid,
                submission.answers,
                now_utc(),
                device_token=submission.device_token,
                duration_s=submission.duration_s,
                clock=submission.clock,
            )
    except AnswerErrors as error:
        return _error(422, _("部分答案需要修改"), errors=error.errors)
    except service.QuestionnaireError as error:
        return _error(error.status, str(error))
    return jsonify(status="accepted", client_uuid=str(response.client_uuid)), 200


def _same_origin() -> bool:
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")
    # Compare hosts only: behind a TLS-terminating proxy the app may see http while the browser says https.
    return urlsplit(origin).netloc == request.host


def _error(status: int, message: str, errors: dict | None = None):
    return jsonify(status="refused", error=message, errors=errors or {}), status
