"""Evaluator writes and submits; reviewer returns, then approves and issues; the bureau reads, downloads, records 整改."""

import pytest
from playwright.sync_api import expect

from evalplatform.engagements import service as engagements
from evalplatform.engagements.models import TeamRole
from tests import factories

pytestmark = pytest.mark.usefixtures("readiness_waived")  # these test the workflow, not completeness


def sign_in(page, live_server, user):
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def sign_out(page):
    page.get_by_test_id("logout").click()
    page.wait_for_url("**/login")


def test_a_report_goes_from_draft_to_the_bureau(page, live_server, session):
    world = factories.World(session)
    engagements.add_team_member(
        session, world.engagement, world.reviewer, TeamRole.reviewer, world.evaluator, factories.NOW
    )
    session.commit()
    report_url = f"{live_server}/engagements/{world.engagement.id}/report"

    sign_in(page, live_server, world.evaluator)
    page.goto(f"{live_server}/engagements/{world.engagement.id}")
    page.get_by_role("link", name="评价报告").click()
    page.get_by_role("button", name="开始撰写报告").click()
    suggestions = page.get_by_test_id("section-suggestions")
    suggestions.fill("建议<b>加强</b>道路养护资金保障。")
    suggestions.blur()
    page.get_by_text("已自动保存").first.wait_for(timeout=45_000)
    assert "20 字" in suggestions.locator("xpath=ancestor::form").locator("[data-wordcount]").inner_text()
    page.get_by_role("button", name="提交复核").click()
    expect(page.get_by_test_id("report-status")).to_have_text("待复核", timeout=60_000)
    sign_out(page)

    sign_in(page, live_server, world.reviewer)
    page.goto(report_url)
    page.get_by_placeholder("复核意见或重新出具原因").fill("请补充养护里程数据")
    page.get_by_role("button", name="退回修改").click()
    expect(page.get_by_test_id("report-status")).to_have_text("已退回", timeout=60_000)
    sign_out(page)

    sign_in(page, live_server, world.evaluator)
    page.goto(report_url)
    expect(page.get_by_text("请补充养护里程数据")).to_be_visible()
    page.get_by_test_id("section-other").fill("养护里程 126 公里，已核实。")
    page.get_by_test_id("section-other").blur()
    page.get_by_text("已自动保存").first.wait_for(timeout=45_000)
    page.get_by_role("button", name="提交复核").click()
    sign_out(page)

    sign_in(page, live_server, world.reviewer)
    page.goto(report_url)
    page.get_by_role("button", name="复核通过").click()
    page.get_by_role("button", name="出具正式报告").click()
    expect(page.get_by_test_id("report-status")).to_have_text("已出具", timeout=60_000)
    sign_out(page)

    sign_in(page, live_server, world.bureau_user)
    page.wait_for_url("**/bureau")  # the bureau lands on its dashboard
    page.get_by_role("link", name=world.engagement.title).click()
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 PDF").click()
    assert download.value.suggested_filename.endswith("第1版.pdf")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    form = page.get_by_test_id("application-form")
    form.get_by_label("应用方式").select_option("rectification")
    form.get_by_label("内容与要求").fill("建立农村公路养护台账")
    form.get_by_label("整改期限").fill("2026-06-30")
    form.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("applications")).to_contain_text("建立农村公路养护台账")
    sign_out(page)

    sign_in(page, live_server, world.other_bureau_user)
    assert world.engagement.title not in page.content()
    page.goto(report_url)
    assert "找不到" in page.content() or page.title().startswith("404") or "404" in page.content()


def test_a_finding_is_inserted_into_the_narrative_and_saved(page, live_server, session):
    from evalplatform.crosscheck.findings import FindingFields, create_finding

    world = factories.World(session)
    create_finding(
        session,
        world.engagement,
        world.evaluator,
        factories.NOW,
        FindingFields(title="养护资金未到位", description="<b>2025 年</b>市级养护资金 120 万元未拨付。"),
    )
    session.commit()
    sign_in(page, live_server, world.evaluator)
    page.goto(f"{live_server}/engagements/{world.engagement.id}/report")
    page.get_by_role("button", name="开始撰写报告").click()
    page.get_by_role("button", name="插入问题").click()
    page.get_by_text("已自动保存").first.wait_for(timeout=45_000)
    assert (
        page.get_by_test_id("section-problems").input_value()
        == "F-001 养护资金未到位：<b>2025 年</b>市级养护资金 120 万元未拨付。"
    )
    page.reload()
    assert "市级养护资金 120 万元未拨付" in page.get_by_test_id("section-problems").input_value()
