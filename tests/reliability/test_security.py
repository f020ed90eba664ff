"""Security review by enumeration: every route in the URL map is checked, so new routes are too."""

import re

from tests import factories
from tests.conftest import login

# Routes anonymous visitors may reach on purpose (respondents, static files, health check).
PUBLIC_ENDPOINTS = {
    "static",
    "accounts.login",
    "index",
    "healthz",
    "openapi",
    "respond.survey",
    "respond.submit",
    "respond.worker",  # the respondent page's service worker
    "favicon",
}
# State-changing endpoints that authenticate without the session CSRF token, each with its reason.
CSRF_EXEMPT_ENDPOINTS: dict[str, str] = {
    # Anonymous JSON intake: no session to ride on; same-origin check, client UUID and validation instead.
    "respond.submit": "anonymous respondents; a session token would expire under a slow respondent",
}


def _sample_url(rule) -> str:
    return re.sub(r"<(?:[^:<>]+:)?[^<>]+>", "1", rule.rule)


def _rules(app, methods):
    return [r for r in app.url_map.iter_rules() if r.methods & methods and r.endpoint != "static"]


def test_every_non_public_route_requires_login(app, client):
    checked = 0
    for rule in _rules(app, {"GET", "POST"}):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = client.open(_sample_url(rule), method=method)
            assert response.status_code in (302, 400, 401), (rule.rule, method, response.status_code)
            if response.status_code == 302:
                assert "/login" in response.headers["Location"], rule.rule
            checked += 1
    assert checked >= 15


def test_every_state_changing_route_refuses_a_post_without_csrf_token(app, client, session):
    world = factories.World(session)
    login(client, world.evaluator.username)
    checked = 0
    for rule in _rules(app, {"POST", "PUT", "PATCH", "DELETE"}):
        if rule.endpoint in CSRF_EXEMPT_ENDPOINTS:
            continue
        url = _sample_url(rule).replace("/1", f"/{world.engagement.id}", 1)
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            response = client.open(url, method=method, data={"name": "x"})
            assert response.status_code == 400, (rule.rule, method, response.status_code)
            checked += 1
    assert checked >= 8


def test_every_page_carries_the_security_headers(app, client, session):
    world = factories.World(session)
    login(client, world.evaluator.username)
    for url in ["/login", "/engagements", f"/engagements/{world.engagement.id}", "/no-such-page"]:
        headers = client.get(url).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], url
        assert headers["X-Content-Type-Options"] == "nosniff", url
        assert headers["Referrer-Policy"] == "same-origin", url


def test_authenticated_pages_are_not_cached(client, session):
    world = factories.World(session)
    login(client, world.evaluator.username)
    assert client.get("/engagements").headers["Cache-Control"] == "no-store"


def test_passwords_never_reach_the_audit_log(client, session):
    from sqlalchemy import select

    from evalplatform.audit.models import AuditEvent

    world = factories.World(session)
    login(client, world.evaluator.username)
    rows = session.scalars(select(AuditEvent)).all()
    blob = " ".join(f"{r.details} {r.action} {r.object_id}" for r in rows)
    assert factories.PASSWORD not in blob and "scrypt" not in blob
