"""An evaluator opens the demo engagement, changes one actual value, sees total and grade change, exports."""

from io import BytesIO

from openpyxl import load_workbook
from playwright.sync_api import expect

from evalplatform.demo import DEMO_PASSWORD, load_demo


def test_evaluator_rescores_the_demo_engagement_and_exports_the_score_sheet(page, live_server, session, app):
    load_demo(session, app.config["STORAGE_DIR"], portfolio=False)
    session.commit()
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill("evaluator")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/engagements")
    page.get_by_role("link", name="2025年度农村公路提档升级项目重点绩效评价").click()
    page.get_by_role("link", name="指标与评分").click()
    page.wait_for_url("**/indicators/scoring")
    total, grade = page.get_by_test_id("total"), page.get_by_test_id("grade")
    assert (total.inner_text(), grade.inner_text()) == ("89.8", "良")

    spent = page.get_by_label("实际支出资金：预算执行率")
    spent.fill("3860")
    spent.press("Tab")
    expect(total).to_have_text("90.2")  # the page's CSP forbids eval, so wait on the locator
    expect(grade).to_have_text("优")
    page.reload()
    assert page.get_by_test_id("total").inner_text() == "90.2"

    page.get_by_role("link", name="评分表").click()
    with page.expect_download() as download:
        page.get_by_test_id("export-sheet").click()
    sheet = load_workbook(BytesIO(download.value.path().read_bytes())).active
    rows = {row[2]: row for row in sheet.iter_rows(values_only=True) if row[2]}
    assert rows["预算执行率"][7] == 4  # 得分, after 指标值 / 实际完成 / 计算 as on the page
    assert [row for row in sheet.iter_rows(values_only=True)][-1][:8] == ("评价等级", *[None] * 6, "优")
