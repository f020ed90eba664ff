from sqlalchemy import func, select

from evalplatform.accounts import service
from evalplatform.accounts.models import LoginAttempt
from tests import factories
from tests.conftest import csrf_token, login, post_form


def test_evaluator_logs_in_and_lands_on_the_engagement_list(client, session):
    factories.World(session)
    user = factories.user(session, username="li", firm=factories.firm(session))
    session.commit()
    response = login(client, user.username)
    assert response.headers["Location"] == "/engagements"
    assert client.get("/engagements").status_code == 200


def test_passwords_are_stored_with_a_memory_hard_kdf(session):
    user = factories.user(session, firm=factories.firm(session))
    assert user.password_hash.startswith("scrypt:")
    assert factories.PASSWORD not in user.password_hash


def test_a_wrong_password_and_an_unknown_user_get_the_same_generic_message(client, session):
    factories.user(session, username="li", firm=factories.firm(session))
    session.commit()
    wrong = post_form(client, "/login", {"username": "li", "password": "nope-nope"})
    unknown = post_form(client, "/login", {"username": "nobody", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert "用户名或密码错误" in wrong.get_data(as_text=True)
    assert "用户名或密码错误" in unknown.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client, session):
    factories.user(session, username="li", firm=factories.firm(session))
    session.commit()
    response = client.post("/login", data={"username": "li", "password": factories.PASSWORD})
    assert response.status_code == 400
    assert "令牌" in response.get_data(as_text=True)


def test_repeated_failures_throttle_that_account_from_that_ip_only(client, session):
    firm = factories.firm(session)
    factories.user(session, username="target", firm=firm)
    factories.user(session, username="colleague", firm=firm)
    session.commit()
    for _ in range(5):
        assert post_form(client, "/login", {"username": "target", "password": "wrong-pass"}).status_code == 401
    throttled = post_form(client, "/login", {"username": "target", "password": factories.PASSWORD})
    assert throttled.status_code == 429
    assert "分钟后再试" in throttled.get_data(as_text=True)
    # A colleague behind the same office IP still gets in.
    assert login(client, "colleague").status_code == 302


def test_throttle_counts_only_recent_failures(session, app):
    user = factories.user(session, username="u1", firm=factories.firm(session))
    old = factories.NOW.replace(year=2025)
    factories.failed_logins(session, "u1", "10.0.0.1", old, count=10)
    assert service.authenticate(session, "u1", factories.PASSWORD, "10.0.0.1", factories.NOW, app.config) == user


def test_success_clears_the_failures_of_that_account_and_ip(session, app):
    factories.user(session, username="u2", firm=factories.firm(session))
    for _ in range(3):
        service.authenticate(session, "u2", "bad-pass-x", "10.0.0.2", factories.NOW, app.config)
    service.authenticate(session, "u2", factories.PASSWORD, "10.0.0.2", factories.NOW, app.config)
    assert session.scalar(select(func.count(LoginAttempt.id))) == 0


def test_a_session_cookie_is_dead_after_logout(client, session):
    factories.user(session, username="li", firm=factories.firm(session))
    session.commit()
    login(client, "li")
    stolen = client.get_cookie("session").value
    token = csrf_token(client, "/engagements")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    client.set_cookie("session", stolen)
    response = client.get("/engagements")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_disabling_an_account_ends_its_sessions(client, session):
    user = factories.user(session, username="li", firm=factories.firm(session))
    session.commit()
    login(client, "li")
    service.set_enabled(session, user, False, None, factories.NOW)
    session.commit()
    assert client.get("/engagements").status_code == 302
    assert post_form(client, "/login", {"username": "li", "password": factories.PASSWORD}).status_code == 401


def test_next_parameter_cannot_redirect_off_site(client, session):
    factories.user(session, username="li", firm=factories.firm(session))
    session.commit()
    for target in ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)"]:
        token = csrf_token(client, "/login")
        response = client.post(
            f"/login?next={target}", data={"username": "li", "password": factories.PASSWORD, "csrf_token": token}
        )
        assert response.headers["Location"] == "/engagements", target
        client.post("/logout", data={"csrf_token": csrf_token(client, "/engagements")})
    token = csrf_token(client, "/login")
    response = client.post(
        "/login?next=/engagements/new", data={"username": "li", "password": factories.PASSWORD, "csrf_token": token}
    )
    assert response.headers["Location"] == "/engagements/new"


def test_admin_creates_a_user_of_their_own_firm(client, session):
    world = factories.World(session)
    login(client, world.admin.username)
    response = post_form(
        client,
        "/users",
        {"username": "newbie", "display_name": "新人", "role": "evaluator", "password": "long-enough-1"},
    )
    assert response.status_code == 302
    from evalplatform.accounts.models import User

    created = session.scalar(select(User).where(User.username == "newbie"))
    assert created.firm_id == world.firm.id


def test_mass_assignment_of_firm_is_ignored(client, session):
    world = factories.World(session)
    login(client, world.admin.username)
    post_form(
        client,
        "/users",
        {
            "username": "sneaky",
            "display_name": "x",
            "role": "evaluator",
            "password": "long-enough-1",
            "firm_id": world.other_firm.id,
        },
    )
    from evalplatform.accounts.models import User

    assert session.scalar(select(User.firm_id).where(User.username == "sneaky")) == world.firm.id


def test_non_admins_cannot_manage_users(client, session):
    world = factories.World(session)
    login(client, world.evaluator.username)
    assert client.get("/users").status_code == 403


def test_an_admin_cannot_touch_users_of_another_firm(client, session):
    world = factories.World(session)
    login(client, world.outsider_admin.username)
    token = csrf_token(client, "/users")
    response = client.post(f"/users/{world.evaluator.id}/toggle", data={"csrf_token": token})
    assert response.status_code == 404
    session.refresh(world.evaluator)
    assert world.evaluator.is_enabled
