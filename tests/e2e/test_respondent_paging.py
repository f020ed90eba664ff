"""The respondent's path in Chromium: pages follow the current answers, nobody is stranded.

A four-page questionnaire: page 1 decides what page 2 asks, page 3 empties when the household has no visits,
page 4 holds a required question that is never relevant. Plus an imported two-language XLSForm with a
cascading select and a calculation shown in a label, and what a respondent sees after submitting once.
"""

from sqlalchemy import select

from evalplatform.instruments import service as instruments
from evalplatform.instruments import xlsform
from evalplatform.questionnaires import service
from evalplatform.questionnaires.models import Response
from tests import factories
from tests.e2e.conftest import ARTIFACTS
from tests.questionnaires.xlsform_corpus import CORPUS, to_xlsx

PAGED = {
    "title": "道路使用回访",
    "sections": [
        {
            "code": "a",
            "title": "基本情况",
            "questions": [
                {
                    "code": "uses",
                    "type": "single_choice",
                    "label": "您是否使用新修道路？",
                    "required": True,
                    "choices": [{"code": "1", "label": "使用"}, {"code": "2", "label": "不使用"}],
                },
                {
                    "code": "visits",
                    "type": "integer",
                    "label": "每周往返镇上几次？",
                    "required": True,
                    "relevant": "${uses} = '1'",
                    "min": 0,
                    "max": 50,
                },
            ],
        },
        {
            "code": "b",
            "title": "使用评价",
            "questions": [
                {
                    "code": "sat_road",
                    "type": "satisfaction",
                    "label": "您对路面质量满意吗？",
                    "required": True,
                    "relevant": "${uses} = '1'",
                },
                {
                    "code": "why_not",
                    "type": "text",
                    "label": "不使用的原因",
                    "required": True,
                    "relevant": "${uses} = '2'",
                },
            ],
        },
        {
            "code": "c",
            "title": "出行",
            "questions": [
                {
                    "code": "purpose",
                    "type": "text",
                    "label": "主要出行目的",
                    "required": True,
                    "relevant": "${visits} > 0",
                }
            ],
        },
        {
            "code": "d",
            "title": "建议",
            "questions": [
                {"code": "trips", "type": "calculate", "label": "", "calculation": "coalesce(${visits}, 0) * 52"},
                {"code": "summary", "type": "note", "label": "您一年约往返 ${trips} 次。"},
                {
                    "code": "never",
                    "type": "text",
                    "label": "（不会出现的必答题）",
                    "required": True,
                    "relevant": "${uses} = '9'",
                },
                {"code": "advice", "type": "text", "label": '您的建议<span style="color:#c00">（选填）</span>'},
            ],
        },
    ],
}


def open_link(browser, live_server, distribution, width=1280, height=800, context=None):
    context = context or browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", is_mobile=width < 500
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server}/s/{distribution.token}")
    return context, page


def distribute(session, definition, **fields):
    world = factories.World(session)
    instrument = instruments.create_instrument(session, world.engagement, world.evaluator, factories.NOW, definition)
    distribution = service.create_distribution(
        session,
        instrument,
        world.evaluator,
        factories.NOW,
        service.DistributionFields(name="柳湾村", stratum="柳湾村", **fields),
    )
    session.commit()
    return world, distribution


def stored(session):
    session.expire_all()
    return session.scalars(select(Response)).all()


def heading(page):
    return page.locator(".section:not([hidden]) h2").inner_text()


def test_page_one_decides_what_page_two_asks_and_going_back_keeps_the_answers(browser, live_server, session):
    _world, distribution = distribute(session, PAGED)
    context, page = open_link(browser, live_server, distribution)
    assert page.get_by_text("第 1 / 4 部分").is_visible()
    page.get_by_label("使用", exact=True).check()
    assert page.get_by_label("每周往返镇上几次？").is_visible()  # relevance within the page
    page.get_by_label("每周往返镇上几次？").fill("3")
    page.get_by_test_id("survey-next").click()
    assert heading(page) == "使用评价" and page.get_by_text("第 2 / 4 部分").is_visible()
    assert page.get_by_text("您对路面质量满意吗？").is_visible() and not page.get_by_text("不使用的原因").is_visible()
    page.get_by_test_id("survey-next").click()  # the required satisfaction question is unanswered
    assert heading(page) == "使用评价" and page.get_by_text("此题为必答题").is_visible()
    page.get_by_label("满意", exact=True).check()
    page.get_by_test_id("survey-prev").click()
    assert (
        page.get_by_label("使用", exact=True).is_checked()
        and page.get_by_label("每周往返镇上几次？").input_value() == "3"
    )
    page.get_by_label("不使用", exact=True).check()
    page.get_by_test_id("survey-next").click()
    assert page.get_by_text("不使用的原因").is_visible() and not page.get_by_text("您对路面质量满意吗？").is_visible()
    page.get_by_label("不使用的原因").fill("路太远")
    page.get_by_test_id("survey-prev").click()
    page.get_by_label("使用", exact=True).check()  # back again: the earlier answers come back
    assert page.get_by_label("每周往返镇上几次？").input_value() == "3"
    page.get_by_test_id("survey-next").click()
    assert page.get_by_label("满意", exact=True).is_checked()
    context.close()


def test_a_page_whose_questions_all_became_irrelevant_is_skipped_both_ways(browser, live_server, session):
    _world, distribution = distribute(session, PAGED)
    context, page = open_link(browser, live_server, distribution)
    page.get_by_label("使用", exact=True).check()
    page.get_by_label("每周往返镇上几次？").fill("2")
    page.get_by_test_id("survey-next").click()
    page.get_by_label("非常满意").check()
    page.get_by_test_id("survey-next").click()
    assert heading(page) == "出行" and page.get_by_text("第 3 / 4 部分").is_visible()
    page.get_by_label("主要出行目的").fill("赶集")
    page.get_by_test_id("survey-prev").click()
    page.get_by_test_id("survey-prev").click()
    page.get_by_label("每周往返镇上几次？").fill("0")  # 出行 has nothing left to ask
    page.get_by_test_id("survey-next").click()
    page.get_by_test_id("survey-next").click()
    assert heading(page) == "建议" and page.get_by_text("第 4 / 4 部分").is_visible()
    assert page.get_by_test_id("survey-submit").is_visible() and not page.get_by_test_id("survey-next").is_visible()
    page.get_by_test_id("survey-prev").click()
    assert heading(page) == "使用评价"
    context.close()


def test_submitting_with_a_hidden_required_question_sends_only_what_is_relevant(browser, live_server, session):
    _world, distribution = distribute(session, PAGED)
    context, page = open_link(browser, live_server, distribution)
    page.get_by_label("不使用", exact=True).check()
    page.get_by_test_id("survey-next").click()
    page.get_by_label("不使用的原因").fill("没有车")
    page.get_by_test_id("survey-prev").click()
    page.get_by_label("使用", exact=True).check()
    page.get_by_label("每周往返镇上几次？").fill("1")
    page.get_by_test_id("survey-next").click()
    page.get_by_label("一般").check()
    page.get_by_test_id("survey-next").click()
    page.get_by_label("主要出行目的").fill("看病")
    page.get_by_test_id("survey-next").click()
    assert page.get_by_text("您一年约往返 52 次。").is_visible()
    assert not page.get_by_text("（不会出现的必答题）").is_visible()
    page.get_by_test_id("survey-submit").click()
    page.get_by_test_id("survey-thanks").wait_for()
    [response] = stored(session)
    assert response.answers == {"uses": "1", "visits": 1, "sat_road": "3", "purpose": "看病", "trips": 52}
    context.close()


def test_on_a_390_px_phone_the_whole_path_fits_the_screen(browser, live_server, session):
    _world, distribution = distribute(session, PAGED, sponsor="受雨湖区财政局委托，湘江会计师事务所开展")
    context, page = open_link(browser, live_server, distribution, width=390, height=844)
    assert page.get_by_test_id("survey-sponsor").inner_text() == "受雨湖区财政局委托，湘江会计师事务所开展"
    page.get_by_label("不使用", exact=True).check()
    for _ in range(2):
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        page.get_by_test_id("survey-next").click()
    page.get_by_label("不使用的原因").fill("路太远")
    page.get_by_test_id("survey-next").click()
    assert heading(page) == "建议" and page.get_by_text("第 4 / 4 部分").is_visible()
    assert page.get_by_text("您的建议（选填）").is_visible()  # formatting markup from XLSForm labels: its text
    box = page.get_by_test_id("survey-submit").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "respondent-390-last-page.png"), full_page=True)
    page.get_by_test_id("survey-submit").click()
    page.get_by_test_id("survey-thanks").wait_for()
    assert stored(session)[0].answers == {"uses": "2", "why_not": "路太远", "trips": 0}
    context.close()


def test_an_imported_form_switches_language_and_filters_the_second_select(browser, live_server, session):
    definition = xlsform.import_xlsform(to_xlsx(CORPUS["kobo_roads"])).definition
    _world, distribution = distribute(session, definition)
    context, page = open_link(browser, live_server, distribution)
    page.get_by_label("所在乡镇").select_option("bs")
    village = page.get_by_label("所在村")
    assert village.locator("option:not([hidden])").all_inner_texts() == ["—", "黄沙村"]
    page.get_by_label("语言").select_option("English (en)")
    assert page.get_by_text("Location").is_visible() and page.get_by_label("Village").is_visible()
    page.get_by_label("Village").select_option("hs")
    page.get_by_test_id("survey-next").click()
    page.get_by_label("People in household").fill("4")
    page.get_by_label("Adults (18+)").fill("3")
    assert page.get_by_text("You have 1 children.").is_visible()
    page.get_by_test_id("survey-next").click()
    page.get_by_label("No", exact=True).check()
    page.get_by_label("Why not?").fill("far away")
    page.get_by_test_id("survey-submit").click()
    page.get_by_test_id("survey-thanks").wait_for()
    answers = stored(session)[0].answers
    assert answers["village"] == "hs" and answers["hh_children"] == 1 and "road_sat" not in answers
    context.close()


def test_after_submitting_the_link_says_so_and_offers_another_response_where_allowed(browser, live_server, session):
    _world, distribution = distribute(session, PAGED, contact="李会计 0731-5555 1234")
    context, page = open_link(browser, live_server, distribution)
    assert page.get_by_test_id("survey-contact").inner_text() == "联系方式：李会计 0731-5555 1234"
    page.get_by_label("不使用", exact=True).check()
    page.get_by_test_id("survey-next").click()
    page.get_by_label("不使用的原因").fill("太远")
    page.get_by_test_id("survey-next").click()
    page.get_by_test_id("survey-submit").click()
    page.get_by_test_id("survey-thanks").wait_for()
    page.goto(f"{live_server}/s/{distribution.token}")
    assert page.get_by_test_id("survey-done").is_visible()
    page.get_by_test_id("survey-again").click()
    assert page.get_by_text("第 1 / 4 部分").is_visible() and not page.get_by_label("不使用", exact=True).is_checked()
    context.close()


def test_where_one_response_per_device_is_allowed_the_notice_has_no_second_go(browser, live_server, session):
    _world, distribution = distribute(session, PAGED, one_per_device=True)
    context, page = open_link(browser, live_server, distribution)
    page.evaluate(f"localStorage.setItem('evalplatform.done.{distribution.token}', JSON.stringify({{at: 1}}))")
    page.reload()
    assert page.get_by_test_id("survey-done").is_visible() and page.get_by_text("每台设备只能提交一次").is_visible()
    assert page.get_by_test_id("survey-again").count() == 0
    context.close()
