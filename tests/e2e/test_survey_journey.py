"""A respondent on a phone opens the QR link, skip logic hides a section, the submit happens offline,
the phone comes back online and the response arrives exactly once; a closed link then says so."""

from sqlalchemy import func, select

from evalplatform.instruments import service as instruments
from evalplatform.questionnaires import service
from evalplatform.questionnaires.models import Response
from tests import factories


def test_phone_respondent_submits_offline_and_the_response_arrives_once(browser, live_server, session):
    world = factories.World(session)
    definition = instruments.load_template("satisfaction-rural-road")
    definition["sections"][0]["questions"][0]["label"] = "<script>alert(1)</script>您的性别"
    instrument = instruments.create_instrument(session, world.engagement, world.evaluator, factories.NOW, definition)
    distribution = service.create_distribution(
        session, instrument, world.evaluator, factories.NOW, service.DistributionFields(name="柳湾村", stratum="柳湾村")
    )
    session.commit()
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    phone = context.new_page()
    phone.set_default_timeout(15_000)
    phone.goto(f"{live_server}/s/{distribution.token}")
    assert phone.get_by_text("<script>alert(1)</script>您的性别").is_visible()  # shown as text, not run
    phone.get_by_label("女").check()
    phone.get_by_label("45-59岁").check()
    phone.get_by_label("本村村民").check()
    phone.get_by_label("否").check()  # not aware → the satisfaction section is skipped
    phone.get_by_role("button", name="下一页").click()
    assert phone.get_by_text("第 3 / 3 部分").is_visible()  # the form's own numbering: 满意度评价 was skipped
    phone.get_by_label("您不了解本项目的主要原因是什么？").fill("刚搬来不久")
    context.set_offline(True)
    phone.get_by_test_id("survey-submit").click()
    phone.get_by_text("网络不可用").wait_for()
    assert session.scalar(select(func.count(Response.id))) == 0
    context.set_offline(False)
    phone.get_by_test_id("survey-thanks").wait_for()
    phone.reload()  # a reload flushes the (now empty) outbox again: nothing is sent twice
    phone.wait_for_timeout(500)
    session.expire_all()
    rows = session.scalars(select(Response)).all()
    assert len(rows) == 1
    assert rows[0].answers["unaware_reason"] == "刚搬来不久" and "sat01" not in rows[0].answers
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0

    service.close_distribution(session, session.merge(distribution), world.evaluator, factories.NOW)
    session.commit()
    phone.goto(f"{live_server}/s/{distribution.token}")
    assert phone.get_by_test_id("survey-closed").is_visible()
    context.close()
