"""An evaluator signs in, creates an engagement, finds it in the list, signs out."""

from tests import factories


def test_evaluator_creates_an_engagement_and_finds_it_in_the_list(page, live_server, session):
    world = factories.World(session)
    page.goto(f"{live_server}/")
    page.get_by_label("用户名").fill(world.evaluator.username)
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/engagements")

    page.get_by_role("link", name="新建评价项目").click()
    page.get_by_label("项目名称").fill("2025年度老年人居家养老服务补贴项目绩效评价")
    page.get_by_label("被评价单位").fill("某区民政局")
    page.get_by_label("评价类型").select_option("project")
    page.get_by_label("预算年度").fill("2025")
    page.get_by_label("预算金额（元）").fill("3,200,000")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/engagements/*")
    assert page.get_by_test_id("engagement-title").inner_text() == "2025年度老年人居家养老服务补贴项目绩效评价"

    page.get_by_role("link", name="评价项目").first.click()
    page.get_by_placeholder("搜索项目名称或被评价单位").fill("居家养老")
    page.get_by_role("button", name="筛选").click()
    list_text = page.get_by_test_id("engagement-list").inner_text()
    assert "某区民政局" in list_text and "3,200,000.00" in list_text

    page.get_by_test_id("logout").click()
    page.wait_for_url("**/login")
    page.goto(f"{live_server}/engagements")
    assert "/login" in page.url


def test_a_bad_budget_is_explained_in_the_browser(page, live_server, session):
    world = factories.World(session)
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(world.evaluator.username)
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server}/engagements/new")
    page.get_by_label("项目名称").fill("测试")
    page.get_by_label("被评价单位").fill("某单位")
    page.get_by_label("预算年度").fill("1800")
    page.get_by_label("预算金额（元）").fill("-1")
    page.get_by_role("button", name="保存").click()
    assert page.get_by_text("预算年度应在 2000 至 2100 之间").is_visible()
    assert page.get_by_text("预算金额不能为负数").is_visible()


def test_the_layout_fits_a_phone(browser, live_server, session):
    world = factories.World(session)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    phone = context.new_page()
    phone.goto(f"{live_server}/login")
    phone.get_by_label("用户名").fill(world.evaluator.username)
    phone.get_by_label("密码").fill(factories.PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url("**/engagements")
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    context.close()
    assert overflow <= 0
