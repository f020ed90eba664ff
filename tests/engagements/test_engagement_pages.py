import pytest
from sqlalchemy import event, func, select

from evalplatform.engagements.models import Engagement, EngagementStatus, Site
from tests import factories
from tests.conftest import csrf_token, login, post_form


def valid_form(world, **overrides):
    data = {
        "title": "农村饮水安全巩固提升工程绩效评价",
        "evaluated_unit_name": "某县水利局",
        "kind": "project",
        "commission_id": world.commission.id,
        "fiscal_year": "2025",
        "budget_amount": "12,500,000.00",
        "funding_source": "",
        "category": "民生",
        "period_start": "",
        "period_end": "",
        "description": "",
    }
    data.update(overrides)
    return data


def engagement_count(session):
    return session.scalar(select(func.count(Engagement.id)))


def test_evaluator_creates_an_engagement_and_is_its_lead(client, session):
    world = factories.World(session)
    login(client, world.evaluator.username)
    response = post_form(client, "/engagements/new", valid_form(world, budget_amount="１２,５００,０００.５０"))
    assert response.status_code == 302
    created = session.scalar(select(Engagement).order_by(Engagement.id.desc()))
    assert str(created.budget_amount) == "12500000.50"
    assert created.status is EngagementStatus.setup
    assert created.firm_id == world.firm.id
    assert [m.user_id for m in created.team] == [world.evaluator.id]


BAD_INPUT = [
    ({"title": ""}, "请填写项目名称"),
    ({"title": "   "}, "请填写项目名称"),
    ({"budget_amount": "-5"}, "预算金额不能为负数"),
    ({"budget_amount": "十万"}, "请输入数字金额"),
    ({"budget_amount": "1.234"}, "金额最多保留两位小数"),
    ({"budget_amount": "NaN"}, "请输入数字金额"),
    ({"fiscal_year": "1800"}, "预算年度应在 2000 至 2100 之间"),
    ({"fiscal_year": "二〇二五"}, "请输入整数"),
    ({"title": "长" * 10_000}, "不超过 200 个字符"),
    ({"description": "x" * 10_000}, "不超过 5000 个字符"),
    ({"period_start": "2025-12-01", "period_end": "2025-01-01"}, "结束日期不能早于开始日期"),
    ({"kind": "secret"}, "不是有效的选择"),
]


@pytest.mark.parametrize("overrides,message", BAD_INPUT, ids=[m for _o, m in BAD_INPUT])
def test_bad_engagement_input_is_explained_and_nothing_is_stored(client, session, overrides, message):
    world = factories.World(session)
    before = engagement_count(session)
    login(client, world.evaluator.username)
    response = post_form(client, "/engagements/new", valid_form(world, **overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert engagement_count(session) == before


def test_a_post_without_csrf_token_stores_nothing(client, session):
    world = factories.World(session)
    before = engagement_count(session)
    login(client, world.evaluator.username)
    response = client.post("/engagements/new", data=valid_form(world))
    assert response.status_code == 400
    assert engagement_count(session) == before


def test_a_foreign_csrf_token_is_refused(app, client, session):
    world = factories.World(session)
    other = app.test_client()
    login(other, world.reviewer.username)
    foreign = csrf_token(other, "/engagements/new")
    login(client, world.evaluator.username)
    response = client.post("/engagements/new", data={**valid_form(world), "csrf_token": foreign})
    assert response.status_code == 400


def test_mass_assigned_fields_are_ignored(client, session):
    world = factories.World(session)
    login(client, world.evaluator.username)
    post_form(
        client,
        "/engagements/new",
        valid_form(world, status="archived", firm_id=world.other_firm.id, created_by_id=world.admin.id),
    )
    created = session.scalar(select(Engagement).order_by(Engagement.id.desc()))
    assert (created.status, created.firm_id, created.created_by_id) == (
        EngagementStatus.setup,
        world.firm.id,
        world.evaluator.id,
    )


def test_script_in_a_title_is_shown_escaped_everywhere(client, session):
    world = factories.World(session)
    login(client, world.evaluator.username)
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    post_form(client, "/engagements/new", valid_form(world, title=evil, evaluated_unit_name=evil))
    created = session.scalar(select(Engagement).order_by(Engagement.id.desc()))
    for page in [
        "/engagements",
        f"/engagements/{created.id}",
        f"/engagements/{created.id}/edit",
        f"/engagements/{created.id}/audit",
    ]:
        html = client.get(page).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, page
        assert "&lt;script&gt;" in html, page


def test_status_moves_one_step_and_is_audited(client, session):
    world = factories.World(session)
    login(client, world.evaluator.username)
    url = f"/engagements/{world.engagement.id}/status"
    response = post_form(client, url, {"status": "fieldwork"}, page=f"/engagements/{world.engagement.id}")
    assert response.status_code == 302
    session.refresh(world.engagement)
    assert world.engagement.status is EngagementStatus.fieldwork


@pytest.mark.parametrize("wanted", ["reporting", "issued", "archived", "bogus"])
def test_a_status_jump_is_refused_and_changes_nothing(client, session, wanted):
    world = factories.World(session)
    login(client, world.evaluator.username)
    response = post_form(
        client,
        f"/engagements/{world.engagement.id}/status",
        {"status": wanted},
        page=f"/engagements/{world.engagement.id}",
    )
    assert response.status_code in (409, 422)
    assert "不允许" in response.get_data(as_text=True) or "无效" in response.get_data(as_text=True)
    session.refresh(world.engagement)
    assert world.engagement.status is EngagementStatus.setup


def test_review_and_issue_follow_the_report_and_archived_engagements_are_locked(session):
    from evalplatform.engagements import service

    world = factories.World(session)
    e = world.engagement
    for status in ["fieldwork", "analysis", "reporting"]:
        service.change_status(session, e, EngagementStatus(status), world.evaluator, factories.NOW)
    for wanted in (EngagementStatus.review, EngagementStatus.issued):  # the report's 提交复核 / 签发 make these
        with pytest.raises(service.TransitionNotAllowed):
            service.change_status(session, e, wanted, world.reviewer, factories.NOW)
    service.follow_workflow(session, e, EngagementStatus.review, world.evaluator, factories.NOW, "报告提交复核")
    with pytest.raises(service.TransitionNotAllowed):  # nor can a person take it back out of 复核
        service.change_status(session, e, EngagementStatus.reporting, world.reviewer, factories.NOW)
    service.follow_workflow(session, e, EngagementStatus.issued, world.reviewer, factories.NOW, "报告签发")
    service.change_status(session, e, EngagementStatus.archived, world.reviewer, factories.NOW)
    with pytest.raises(service.EngagementLocked):
        service.update_engagement(session, e, factories.engagement_fields(), world.evaluator, factories.NOW)


def test_sites_are_added_with_coordinates(client, session):
    world = factories.World(session)
    login(client, world.evaluator.username)
    url = f"/engagements/{world.engagement.id}/sites/new"
    response = post_form(client, url, {"name": "柳湾村", "address": "", "latitude": "28.6821", "longitude": "115.8579"})
    assert response.status_code == 302
    site = session.scalar(select(Site))
    assert str(site.latitude) == "28.682100"
    bad = post_form(client, url, {"name": "x", "latitude": "95", "longitude": "0"})
    assert bad.status_code == 422 and "纬度应在" in bad.get_data(as_text=True)


def test_list_search_and_status_filter(client, session):
    world = factories.World(session)
    factories.engagement(
        session, world.evaluator, world.bureau, title="生态环境修复项目", evaluated_unit_name="某县生态环境局"
    )
    session.commit()
    login(client, world.evaluator.username)
    html = client.get("/engagements?q=生态").get_data(as_text=True)
    assert "生态环境修复项目" in html and world.engagement.title not in html
    assert "生态环境修复项目" not in client.get("/engagements?q=100%25_").get_data(as_text=True)
    assert client.get("/engagements?status=archived").get_data(as_text=True).count("<tr>") == 0
    assert client.get("/engagements?q=' OR 1=1 --&status=x;drop").status_code == 200


def test_the_list_of_1000_engagements_uses_a_bounded_number_of_queries(app, client, session):
    world = factories.World(session)
    for n in range(999):
        factories.engagement(
            session, world.evaluator, world.bureau, title=f"项目{n}", evaluated_unit_name=f"单位{n % 37}"
        )
    session.commit()
    login(client, world.evaluator.username)
    statements = []
    engine = app.extensions["evalplatform.db"].engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get("/engagements?page=3")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    assert "第 3 / 50 页" in response.get_data(as_text=True)
    assert len(statements) <= 5, statements


def test_review_and_issued_are_left_to_the_report_on_the_page(client, session):
    from evalplatform.engagements import service

    world = factories.World(session)
    for status in ("fieldwork", "analysis", "reporting"):
        service.change_status(session, world.engagement, EngagementStatus(status), world.evaluator, factories.NOW)
    session.commit()
    login(client, world.evaluator.username)
    page = f"/engagements/{world.engagement.id}"
    detail = client.get(page).get_data(as_text=True)
    assert "请在报告页操作" in detail and 'value="review"' not in detail
    response = post_form(client, f"{page}/status", {"status": "review"}, page=page)
    assert response.status_code == 409 and "请在报告页操作" in response.get_data(as_text=True)
    session.refresh(world.engagement)
    assert world.engagement.status is EngagementStatus.reporting
