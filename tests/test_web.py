from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from evalplatform.accounts.models import User
from evalplatform.cli import create_user_command
from evalplatform.engagements.service import EngagementNotFound, PermissionDenied
from evalplatform.indicators.service import IndicatorNotFound
from evalplatform.instruments.service import InstrumentNotFound
from tests import factories
from tests.conftest import login


def test_pages_carry_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_static_assets_are_served_locally(client):
    html = client.get("/login").get_data(as_text=True)
    assert "/static/css/app.css" in html and "http://" not in html and "https://" not in html
    assert client.get("/static/css/app.css").status_code == 200
    assert client.get("/static/js/app.js").status_code == 200


def test_unknown_pages_get_a_friendly_chinese_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_english_is_available(client):
    html = client.get("/login?lang=en").get_data(as_text=True)
    assert "Sign in" in html
    assert "Sign in" in client.get("/login").get_data(as_text=True)  # remembered in the session


def test_session_cookie_is_http_only_and_same_site(client, session):
    factories.user(session, username="li", firm=factories.firm(session))
    session.commit()
    response = login(client, "li")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_create_user_command_makes_firm_and_user(app, session):
    result = CliRunner().invoke(
        create_user_command,
        ["--username", "zhang", "--role", "evaluator", "--firm", "新事务所", "--password", "long-enough-9"],
        obj=ScriptInfo(create_app=lambda: app),
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.username == "zhang"))
    assert user.firm.name == "新事务所"
    again = CliRunner().invoke(
        create_user_command,
        ["--username", "zhang", "--role", "evaluator", "--firm", "新事务所", "--password", "long-enough-9"],
        obj=ScriptInfo(create_app=lambda: app),
    )
    assert again.exit_code != 0 and "已存在" in again.output


def test_a_server_error_shows_a_chinese_page_without_details(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/_boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/_boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "系统错误" in html and "secret internals" not in html


def test_the_favicon_is_served_locally_and_every_page_links_it(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert 'rel="icon" href="/static/img/favicon.svg"' in client.get("/login").get_data(as_text=True)
    assert client.get("/static/img/favicon.svg").status_code == 200


def test_a_service_not_found_is_the_same_404_page_and_its_refusal_a_403(app):
    @app.get("/_missing/<int:kind>")
    def missing(kind):
        raise (IndicatorNotFound, InstrumentNotFound, EngagementNotFound)[kind](7)

    @app.get("/_refused")
    def refused():
        raise PermissionDenied("只有复核人可以出具报告")

    client = app.test_client()
    unknown = client.get("/no/such/page").get_data(as_text=True)
    for kind in range(3):
        response = client.get(f"/_missing/{kind}")
        assert response.status_code == 404 and response.get_data(as_text=True) == unknown
    response = client.get("/_refused")
    assert response.status_code == 403 and "只有复核人可以出具报告" in response.get_data(as_text=True)
