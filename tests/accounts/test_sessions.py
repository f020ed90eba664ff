"""Server-side sessions (idle timeout, absolute lifetime, revocation everywhere) and the password policy."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, select, update

from evalplatform import create_app
from evalplatform.accounts import service
from evalplatform.accounts.models import LoginSession
from evalplatform.accounts.passwords import MIN_LENGTH, common_passwords
from tests import factories
from tests.conftest import csrf_token, login, post_form


@pytest.fixture
def li(session):
    user = factories.user(session, username="li", firm=factories.firm(session))
    session.commit()
    return user


def the_session(session) -> LoginSession:
    session.expire_all()
    return session.scalar(select(LoginSession).order_by(LoginSession.id.desc()))


def age(session, **columns_ago) -> None:
    now = datetime.now(timezone.utc)
    login_id = the_session(session).id
    session.execute(
        update(LoginSession)
        .where(LoginSession.id == login_id)
        .values(**{column: now - ago for column, ago in columns_ago.items()})
    )
    session.commit()


def is_signed_out(client) -> bool:
    response = client.get("/engagements")
    return response.status_code == 302 and "/login" in response.headers["Location"]


def test_thirty_minutes_without_use_ends_the_session_with_a_clear_message(client, session, li):
    login(client, "li")
    age(session, last_seen_at=timedelta(minutes=29))
    assert client.get("/engagements").status_code == 200
    assert the_session(session).last_seen_at > datetime.now(timezone.utc) - timedelta(minutes=1)  # use is recorded
    age(session, last_seen_at=timedelta(minutes=31))
    assert is_signed_out(client)
    assert "较长时间未操作" in client.get("/login").get_data(as_text=True)
    ended = the_session(session)
    assert ended.revoked_at is not None and ended.ended_reason == "idle"


def test_twelve_hours_after_login_the_session_ends_however_busy(client, session, li):
    login(client, "li")
    age(session, created_at=timedelta(hours=12, minutes=1), last_seen_at=timedelta(seconds=5))
    assert is_signed_out(client)
    assert "超过允许的时长" in client.get("/login").get_data(as_text=True)
    assert the_session(session).ended_reason == "expired"


def test_the_limits_are_configurable(database_url, tmp_path, session, li):
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "STORAGE_DIR": str(tmp_path / "e"),
            "SECRET_KEY": "s",
            "TESTING": True,
            "SESSION_IDLE_MINUTES": 5,
            "SESSION_MAX_HOURS": 1,
        }
    )
    client = app.test_client()
    login(client, "li")
    age(session, last_seen_at=timedelta(minutes=6))
    assert is_signed_out(client)
    login(client, "li")
    age(session, created_at=timedelta(minutes=61), last_seen_at=timedelta(seconds=1))
    assert is_signed_out(client)
    app.extensions["evalplatform.db"].engine.dispose()


def test_a_password_change_ends_the_accounts_sessions_everywhere_but_here(app, session, li):
    here, elsewhere = app.test_client(), app.test_client()
    login(here, "li")
    login(elsewhere, "li")
    new = "长城脚下的银杏树-2026"
    response = post_form(here, "/account/password", {"current": factories.PASSWORD, "new": new, "repeat": new})
    assert response.status_code == 302
    assert is_signed_out(elsewhere)
    assert here.get("/engagements").status_code == 200  # a fresh session for the browser that changed it
    reasons = session.scalars(select(LoginSession.ended_reason).order_by(LoginSession.id)).all()
    assert reasons == ["password", "password", None]
    login(elsewhere, "li", new)


def test_logout_revokes_only_that_session(app, session, li):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "li")
    login(phone, "li")
    stolen = laptop.get_cookie("session").value
    laptop.post("/logout", data={"csrf_token": csrf_token(laptop, "/engagements")})
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert is_signed_out(thief)
    assert phone.get("/engagements").status_code == 200


def test_requests_without_a_login_cookie_never_touch_the_session_table(app, client, session, li):
    statements = []
    engine = app.extensions["evalplatform.db"].engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        client.get("/healthz")
        client.get("/login")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert statements == []


def test_a_busy_session_writes_its_last_use_at_most_once_a_minute(app, client, session, li):
    login(client, "li")
    writes = []
    engine = app.extensions["evalplatform.db"].engine

    def listener(_c, _cur, statement, *_a):
        if statement.startswith("UPDATE login_session"):
            writes.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        for _ in range(5):
            assert client.get("/engagements").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert writes == []


PASSWORDS = [
    ("short-pw", "至少需要 10 个字符"),
    ("1234567890", "过于常见"),
    ("Password123", "过于常见"),
    ("qwertyuiop", "过于常见"),
    ("woaini1314520", "过于常见"),
    ("zhangsan2026", "过于常见"),
]


@pytest.mark.parametrize("password,message", PASSWORDS, ids=[p for p, _m in PASSWORDS])
def test_weak_passwords_are_refused_with_a_chinese_reason(session, password, message):
    with pytest.raises(service.AccountError, match=message):
        service.create_user(
            session, username="zhangsan2026", password=password, role="evaluator", firm=factories.firm(session)
        )


def test_the_shipped_list_is_real_data_and_the_minimum_is_ten(session):
    assert MIN_LENGTH == 10 and len(common_passwords()) > 10_000
    assert {"1qaz2wsx3edc", "iloveyou1314", "admin123456"} <= common_passwords()
    user = service.create_user(
        session, username="wang", password="四月的江州下着蒙蒙细雨", role="evaluator", firm=factories.firm(session)
    )
    assert user.id


def test_the_admin_page_and_the_password_page_say_why(client, session, li):
    admin = factories.user(session, "admin", firm=li.firm, username="boss")
    session.commit()
    login(client, admin.username)
    page = post_form(
        client, "/users", {"username": "new1", "display_name": "新人", "role": "evaluator", "password": "password2025"}
    )
    assert page.status_code == 422 and "该密码过于常见" in page.get_data(as_text=True)
    page = post_form(client, "/account/password", {"current": factories.PASSWORD, "new": "abc", "repeat": "abc"})
    assert page.status_code == 422 and "密码至少需要 10 个字符" in page.get_data(as_text=True)
    page = post_form(
        client,
        "/account/password",
        {"current": "wrong-one-123", "new": "月光下的石拱桥2026", "repeat": "月光下的石拱桥2026"},
    )
    assert page.status_code == 422 and "当前密码不正确" in page.get_data(as_text=True)
