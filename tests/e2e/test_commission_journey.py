"""A bureau commissions a firm by its invitation code; the firm's evaluator opens the engagement under it."""

from tests import factories


def sign_in(page, live_server, user):
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_the_bureau_commissions_and_the_firm_opens_the_engagement(page, live_server, session):
    firm, bureau = factories.firm(session), factories.bureau(session)
    bureau_user = factories.user(session, "bureau", bureau=bureau)
    evaluator = factories.user(session, "evaluator", firm=firm)
    session.commit()

    sign_in(page, live_server, evaluator)
    page.goto(f"{live_server}/engagements/new")  # nothing commissioned yet: sent to 委托, told why
    page.wait_for_url("**/commissions")
    assert page.get_by_text("尚无可用的委托").is_visible()
    code = page.get_by_test_id("invitation-code").inner_text()
    page.get_by_test_id("logout").click()

    sign_in(page, live_server, bureau_user)
    page.get_by_role("link", name="委托").click()
    form = page.get_by_test_id("commission-form")
    form.get_by_label("对方名称或邀请码").fill(code.lower().replace("-", " "))
    form.get_by_label("项目名称").fill("2026年度城市公园提升改造项目重点绩效评价")
    form.get_by_label("预算年度").fill("2026")
    form.get_by_role("button", name="发起委托").click()
    assert page.get_by_text("已发起委托").is_visible()
    assert firm.name in page.get_by_test_id("commissions").inner_text()
    page.get_by_test_id("logout").click()

    sign_in(page, live_server, evaluator)
    page.goto(f"{live_server}/commissions")
    page.get_by_role("link", name="建立评价项目").click()
    assert "2026年度城市公园提升改造项目重点绩效评价" in page.get_by_label("委托").inner_text()
    page.get_by_label("项目名称").fill("2026年度城市公园提升改造项目重点绩效评价")
    page.get_by_label("被评价单位").fill("江州市园林局")
    page.get_by_label("预算年度").fill("2026")
    page.get_by_label("预算金额（元）").fill("8,000,000")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/engagements/*")
    assert page.get_by_test_id("engagement-title").inner_text() == "2026年度城市公园提升改造项目重点绩效评价"
