"""Plain WSGI in front of Flask for the hottest anonymous requests: GET /healthz, the public survey page
GET /s/<token> and the survey intake's common case (POST /s/<token>/responses, questionnaires.intake). Under load a public survey is thousands
of phones posting the same small JSON; Flask's per-request machinery (request and app contexts, session,
Flask-Login, Babel, CSRF, after-request hooks) cost more than the submission itself (docs/performance.md).

Only requests that carry no cookie and no query string are taken — nothing a session, a login or a chosen
language could change — and only when the answer is the plain success; everything else (errors, refusals,
retries of a stored UUID, SQLite) goes to Flask with the body it sent, and is answered exactly as before.
The answers sent here are byte for byte Flask's: the same JSON, the same security headers; the survey
page is the one Flask rendered for the first respondent, kept while the channel's row is unchanged (its
state is decided for every request, from the row as read at most a second ago: questionnaires.channels).
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import psycopg
from sqlalchemy.exc import DBAPIError
from werkzeug.wsgi import get_host

from .web import SECURITY_HEADERS, now_utc

SUBMIT_PREFIX, SUBMIT_SUFFIX = "/s/", "/responses"
HEALTHZ = b'{"status":"ok"}\n'
DATABASE_ERRORS = (DBAPIError, psycopg.Error)
PAGES_KEPT = 1000


class FastPaths:
    def __init__(self, app, wsgi_app):
        from .questionnaires import channels, intake, service

        self.flask, self.intake, self.parse = wsgi_app, intake, service.parse_submission
        self.engine = app.extensions["evalplatform.db"].engine
        self.channels = channels.ChannelRows(self.engine)
        self.intake_enabled = self.engine.dialect.name == "postgresql" and app.config.get("SURVEY_FAST_LANE", True)
        self.limit = app.config.get("SURVEY_MAX_BODY_BYTES", 2 * 2**20)
        self.pages: dict[tuple, tuple[str, list, bytes]] = {}

    def __call__(self, environ, start_response):
        if environ.get("HTTP_COOKIE") or environ.get("QUERY_STRING"):
            return self.flask(environ, start_response)
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD")
        if method == "GET" and path == "/healthz":
            return _json(start_response, HEALTHZ)
        if self.intake_enabled and path.startswith(SUBMIT_PREFIX):
            token = path[len(SUBMIT_PREFIX) :]
            if method == "POST" and token.endswith(SUBMIT_SUFFIX) and _token(token[: -len(SUBMIT_SUFFIX)]):
                return self._submission(environ, start_response, token[: -len(SUBMIT_SUFFIX)])
            if method == "GET" and _token(token) and token != "sw.js":
                return self._page(environ, start_response, token)
        return self.flask(environ, start_response)

    def _page(self, environ, start_response, token: str):
        try:
            row = self.channels.get(token)
        except DATABASE_ERRORS:  # the full path answers a database outage (503 and its page)
            return self.flask(environ, start_response)
        now = now_utc()
        if row is None or row[6] is not None or (row[4] and now < row[4]) or (row[5] and now >= row[5]):
            return self.flask(environ, start_response)  # absent, quota, not open or closed: Flask says so
        key = (token, *row[:4])
        kept = self.pages.get(key)
        if kept is not None:
            start_response(kept[0], kept[1])
            return [kept[2]]
        seen = {}

        def capture(status, headers, exc_info=None):
            seen.update(status=status, headers=list(headers))
            return start_response(status, headers, exc_info)

        answer = self.flask(environ, capture)
        try:
            body = b"".join(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()  # Flask's teardown (the request's database session) runs here
        if seen["status"].startswith("200 ") and not any(n.lower() == "set-cookie" for n, _v in seen["headers"]):
            if len(self.pages) >= PAGES_KEPT:
                self.pages.clear()
            self.pages[key] = (seen["status"], seen["headers"], body)
        return [body]

    def _submission(self, environ, start_response, token: str):
        length = environ.get("CONTENT_LENGTH")
        if not length or not length.isdigit() or int(length) > self.limit or not _same_origin(environ):
            return self.flask(environ, start_response)
        raw = environ["wsgi.input"].read(int(length))
        new_id = None
        if len(raw) == int(length):
            try:
                submission = self.parse(raw)
            except ValueError:
                submission = None
            if submission is not None:
                try:
                    new_id = self.intake.accept(self.engine, token, submission, now_utc())
                except DATABASE_ERRORS:  # the full path answers a database outage (503, nothing stored)
                    new_id = None
        if new_id is None:  # the full path decides, from the same body
            environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(raw), str(len(raw))
            return self.flask(environ, start_response)
        return _json(
            start_response, b'{"client_uuid":"%s","status":"accepted"}\n' % str(submission.client_uuid).encode()
        )


def _token(token: str) -> bool:
    return 0 < len(token) <= 32 and "/" not in token


def _same_origin(environ) -> bool:
    """public._same_origin on the bare environ (a refusal is left to it, so its message is the usual one)."""
    origin = environ.get("HTTP_ORIGIN")
    if not origin or origin == "null":
        return environ.get("HTTP_SEC_FETCH_SITE", "same-origin") in ("same-origin", "none")
    return urlsplit(origin).netloc == get_host(environ)


def _json(start_response, body: bytes):
    # Vary: Cookie as Flask sends it (the session is looked at): a cache must not serve this to a logged-in user.
    start_response(
        "200 OK",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Vary", "Cookie"),
            *SECURITY_HEADERS,
        ],
    )
    return [body]
