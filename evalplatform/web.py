"""Cross-cutting web concerns: login manager, CSRF, locale, security headers, error pages."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask import (
    Flask,
    Request,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import Babel
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_url
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.routing import IntegerConverter

from . import policy
from .accounts import service as accounts
from .db import db
from .engagements.service import EngagementNotFound, PermissionDenied
from .evidence.store import BlobStore, IncomingSpool

LANGUAGES = {"zh_Hans_CN": "中文", "en": "English"}

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = _l("请先登录")
login_manager.login_message_category = "info"
# "basic" rather than "strong": phones hop between Wi-Fi and mobile data mid-session.
login_manager.session_protection = "basic"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

# Sent with every response (web._security_headers; the fast paths send this same list, computed once).
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "geolocation=(self), camera=(self), microphone=()"),
)


def select_locale() -> str:
    wanted = request.args.get("lang") or session.get("lang")
    return wanted if wanted in LANGUAGES else "zh_Hans_CN"


@login_manager.user_loader
def _load_user(token: str):
    """The one server-side session check, run only for requests carrying a login cookie (anonymous ones, such
    as the public survey, never reach it): one query, plus a write at most once a minute per session."""
    config, now = current_app.config, now_utc()
    check = accounts.check_login_session(
        db.session,
        token,
        now,
        idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
        lifetime=timedelta(hours=config["SESSION_MAX_HOURS"]),
    )
    if check.ended or check.touch:
        with db.engine.begin() as connection:
            accounts.record_session_use(connection, check, now)
    g.session_ended = check.ended
    return check.user


SESSION_ENDED = {
    "idle": _l("您已较长时间未操作，为安全起见已退出登录，请重新登录。"),
    "expired": _l("本次登录已超过允许的时长，请重新登录。"),
}


@login_manager.unauthorized_handler
def _unauthorized():
    """As Flask-Login would (flash, then to the login page with ?next=), saying why a session ended."""
    flash(SESSION_ENDED.get(g.get("session_ended"), login_manager.login_message), "info")
    return redirect(login_url(login_manager.login_view, request.url))


def client_ip() -> str:
    """The peer address; behind a proxy configure ProxyFix so this is the real client."""
    return request.remote_addr or "unknown"


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def current_store() -> BlobStore:
    """The evidence store of this app (STORAGE_DIR); views pass it to the services that keep files."""
    return BlobStore(current_app.config["STORAGE_DIR"])


class DatabaseIdConverter(IntegerConverter):
    """`<int:…>` bounded to a 32-bit id, so an absurd id is a 404 rather than a driver overflow."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


class UploadRequest(Request):
    """Spools uploaded files into STORAGE_DIR/incoming, on the evidence store's filesystem, hashing them as
    they arrive, so the store hard-links them into place instead of copying (see BlobStore._adopt)."""

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        incoming = Path(current_app.config["STORAGE_DIR"]) / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        return IncomingSpool(incoming)


def assets_digest(static_folder: str, names) -> str:
    """A short digest of these static files' bytes: an offline cache's name that changes when any of them does."""
    digest = hashlib.sha256()
    for name in names:
        digest.update(Path(static_folder, name).read_bytes())
    return digest.hexdigest()[:12]


def init_web(app: Flask) -> None:
    app.request_class = UploadRequest
    app.url_map.converters["int"] = DatabaseIdConverter
    csrf.init_app(app)
    login_manager.init_app(app)
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, current_locale=select_locale)
    app.jinja_env.filters["reject_page"] = lambda args: {k: v for k, v in args.items() if k != "page"}

    @app.before_request
    def _remember_language():
        if request.args.get("lang") in LANGUAGES:
            session["lang"] = request.args["lang"]

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        for name, value in SECURITY_HEADERS:  # a page may set its own policy (CSP) first
            if name == "Content-Security-Policy":
                headers.setdefault(name, value)
            else:
                headers[name] = value
        try:
            authenticated = current_user and current_user.is_authenticated
        except DBAPIError:  # the database went away mid-request: cannot tell, so do not let it be cached
            authenticated = True
        if authenticated:
            headers["Cache-Control"] = "no-store"
        return response

    _register_error_pages(app)

    @app.get("/")
    def index():
        if current_user.is_authenticated:
            return redirect(url_for(current_user.role.home_endpoint))
        return redirect(url_for("accounts.login"))

    @app.get("/favicon.ico")
    def favicon():
        """Browsers ask for it on every page, whatever the page links; a local file, cached for a day."""
        return app.send_static_file("favicon.ico"), {"Cache-Control": "public, max-age=86400"}

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.get("/openapi.json")
    def openapi():
        """The OpenAPI 3 description of the JSON endpoints (a static file; see docs/api.md)."""
        return send_from_directory(app.static_folder, "openapi.json", mimetype="application/json")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_download(body: bytes, filename: str):
    """A workbook as a download; a Chinese file name is sent as RFC 6266 filename* (send_file does that)."""
    return send_file(io.BytesIO(body), mimetype=XLSX, as_attachment=True, download_name=filename)


def get_or_404(model, object_id, *, engagement=None, allowed=None):
    """The object with this id if the disclosure policy lets the current user see it (and, given
    `engagement`, it belongs to that engagement; given `allowed`, a function of the object, it says yes);
    404 otherwise, so what one may not see looks absent. The one way views answer 404 for an id."""
    found = db.session.get(model, object_id)
    if (
        found is None
        or (engagement is not None and getattr(found, "engagement_id", None) != engagement.id)
        or (allowed is not None and not allowed(found))
        or not policy.may_see(db.session, current_user, found)
    ):
        abort(404)
    return found


def found_or_404(found):
    """What a lookup that is not by a primary key found (a public link's token, the engagement's one tree, an
    issued file the policy module chose), or 404 when it found nothing. The lookup itself already asked the
    policy (or needs none: a public link); this is the same answer as get_or_404's."""
    if found is None:
        abort(404)
    return found


def id_or_404(value) -> int:
    """An id posted in a form or JSON body as a number, or 404: a value that is no number names nothing."""
    try:
        return int(value)
    except (TypeError, ValueError):
        abort(404)


def form_errors(form) -> str:
    """A form's messages in one line, as flashed above the form."""
    return "；".join(str(e) for errors in form.errors.values() for e in errors)


@contextlib.contextmanager
def transaction():
    """A request's change as one transaction, the one place views commit and roll back: committed when the
    block ends, rolled back at once when it raises (a refusal or a failure), before the view answers, so no
    page shows half of a change and nothing half-done is kept. The view's `except` then answers the refusal."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()


def committed(change, *, refused: type[Exception] | tuple, back: str, success=None):
    """Run a service change in the request's transaction, then redirect to `back` (303): on success flash
    `success` (a message, or a function of the change's result); on a refusal flash the refusal's own
    (Chinese) message."""
    try:
        with transaction():
            result = change()
    except refused as error:
        flash(str(error), "error")
        return redirect(back), 303
    message = success(result) if callable(success) else success
    if message:
        flash(message, "success")
    return redirect(back), 303


def error_page(status: int, title, message):
    return render_template("errors/error.html", status=status, title=title, message=message), status


def _storage_error(error: OSError):
    """A full disk or quota while receiving an upload is the operator's problem, said plainly."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return error_page(507, _l("存储空间不足"), _l("服务器存储空间不足，内容未保存，请联系管理员。"))
    raise error


def _database_unavailable(error: DBAPIError):
    """The database is restarting or unreachable: 503 and a retry hint, never a half-done request. The
    transaction is rolled back (the session is discarded at teardown) and the pool dropped so the retry
    opens fresh connections. Other database errors (constraint violations, bugs) stay 500s."""
    if not error.connection_invalidated and not _is_disconnect(error):
        raise error
    with contextlib.suppress(Exception):
        db.session.rollback()
    with contextlib.suppress(Exception):
        current_app.extensions["evalplatform.db"].engine.dispose()
    title, message = _l("服务暂时不可用"), _l("数据库暂时无法连接，您的提交未保存，请稍后重试。")
    if request.is_json or request.accept_mimetypes.best == "application/json" or request.path.startswith("/s/"):
        response = jsonify(status="unavailable", error=str(message), errors={})
        response.status_code = 503
    else:
        try:
            response = make_response(error_page(503, title, message))
        except DBAPIError:  # the page layout asks for the current user, which needs the database
            response = make_response(f"{title}\n{message}\n", 503, {"Content-Type": "text/plain; charset=utf-8"})
    response.headers["Retry-After"] = "5"
    return response


def _is_disconnect(error: DBAPIError) -> bool:
    """psycopg's OperationalError covers 'server closed the connection', 'connection refused' and
    'the database system is starting up / shutting down' (SQLSTATE class 08 and 57P)."""
    if not isinstance(error, (OperationalError, InterfaceError)):
        return False
    sqlstate = getattr(error.orig, "sqlstate", None) or ""
    return sqlstate == "" or sqlstate.startswith(("08", "57P"))


NOT_FOUND = (_l("页面不存在"), _l("您访问的页面不存在，或您无权查看。"))


def _register_error_pages(app: Flask) -> None:
    page = error_page
    app.register_error_handler(
        CSRFError, lambda e: page(400, _l("请求已失效"), _l("页面已过期或表单令牌缺失，请刷新页面后重试。"))
    )
    app.register_error_handler(400, lambda e: page(400, _l("请求有误"), _l("提交的内容无法处理，请检查后重试。")))
    app.register_error_handler(403, lambda e: page(403, _l("无权访问"), _l("您没有执行此操作的权限。")))
    app.register_error_handler(404, lambda e: page(404, *NOT_FOUND))
    # A service's "no such object for this user" (load_engagement_for_user, load_owned and their kin): the same
    # 404 as get_or_404's; a service's refusal of an act to this user: the 403 with its own message.
    app.register_error_handler(EngagementNotFound, lambda e: page(404, *NOT_FOUND))
    app.register_error_handler(PermissionDenied, lambda e: page(403, _l("无权操作"), str(e)))
    app.register_error_handler(413, lambda e: page(413, _l("文件过大"), _l("上传的内容超过了允许的大小。")))
    app.register_error_handler(OSError, _storage_error)
    app.register_error_handler(DBAPIError, _database_unavailable)
    app.register_error_handler(
        500, lambda e: page(500, _l("系统错误"), _l("服务器出错了，我们已记录此问题，请稍后重试。"))
    )
