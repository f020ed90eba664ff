"""Verified values fed into scoring: the questionnaire's satisfaction and the cross-checks (scoring.feeds)."""

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import select

from evalplatform.analysis import satisfaction_for_scoring
from evalplatform.analysis.sources import questionnaire_surveys
from evalplatform.audit.models import AuditEvent
from evalplatform.demo import load_demo
from evalplatform.engagements.models import Engagement
from evalplatform.indicators import service as indicators
from evalplatform.questionnaires import service as questionnaires
from evalplatform.scoring import feeds
from tests import factories
from tests.conftest import login, post_form
from tests.questionnaires.conftest import answers


def _indicator(session, engagement, name):
    tree = indicators.tree_for(session, engagement)
    return next(i for i in tree.indicators if i.name == name)


@pytest.fixture
def surveyed(session, world):
    """A project tree and the rural-road questionnaire with 6 responses submitted through the intake."""
    indicators.create_tree_from_framework(
        session, world.engagement, "project_common_2020", world.evaluator, factories.NOW
    )
    instrument = factories.questionnaire(session, world.engagement, world.evaluator)
    channel = questionnaires.create_distribution(
        session,
        instrument,
        world.evaluator,
        factories.NOW,
        questionnaires.DistributionFields(name="柳湾村", stratum="柳湾村"),
    )
    for n in range(6):
        overrides = {f"sat{i:02d}": "2" for i in range(1, 11)} if n < 2 else {}
        questionnaires.submit_response(session, channel, uuid.UUID(int=n + 1), answers(**overrides), factories.NOW)
    session.commit()
    world.satisfaction = _indicator(session, world.engagement, "服务对象满意度")
    return world


def test_survey_value_with_interval_goes_to_the_survey_indicator(session, surveyed):
    [survey] = questionnaire_surveys(session, surveyed.engagement)
    expected = satisfaction_for_scoring(survey.frame, survey.questions)
    status = feeds.apply_survey(session, surveyed.engagement, surveyed.satisfaction, surveyed.evaluator, factories.NOW)
    session.commit()
    indicator = surveyed.satisfaction
    rate = (Decimal(str(expected.rate)) * 100).quantize(Decimal("0.1"))
    low = (Decimal(str(expected.ci_low)) * 100).quantize(Decimal("0.1"))
    assert 60 < rate < 80 and status.n_valid == 6
    assert indicator.verified_value == indicator.actual_value == rate
    assert indicator.verified_source == f"满意度调查（有效问卷 6 份，95% 区间 {low}–{status.high}%）"
    # survey: ≥ 90 % earns the 10 points, below it in proportion
    assert indicator.score == (indicator.points * rate / 90).quantize(Decimal("0.01"))
    assert status.adequate is False and status.required_valid == 385
    actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(indicator.id))))
    assert {"indicators.verified", "indicators.scored", "indicators.survey_fed"} <= actions


def test_survey_feed_refuses_other_methods_and_missing_questionnaires(session, world):
    indicators.create_tree_from_framework(
        session, world.engagement, "project_common_2020", world.evaluator, factories.NOW
    )
    session.commit()
    with pytest.raises(feeds.FeedError, match="还没有含满意度题的问卷"):
        feeds.apply_survey(
            session,
            world.engagement,
            _indicator(session, world.engagement, "服务对象满意度"),
            world.evaluator,
            factories.NOW,
        )
    with pytest.raises(feeds.FeedError, match="不是按问卷调查计分"):
        feeds.apply_survey(
            session,
            world.engagement,
            _indicator(session, world.engagement, "预算执行率"),
            world.evaluator,
            factories.NOW,
        )
    assert _indicator(session, world.engagement, "服务对象满意度").verified_value is None


def test_the_workspace_button_takes_the_value_and_shows_interval_and_adequacy(client, session, surveyed):
    login(client, surveyed.evaluator.username)
    page = f"/engagements/{surveyed.engagement.id}/indicators/scoring"
    html = client.get(page).get_data(as_text=True)
    assert 'data-testid="survey-adequacy"' in html and "样本量不足：至少需有效问卷 385 份" in html
    assert "从问卷结果取值" in html
    response = post_form(
        client, f"/engagements/{surveyed.engagement.id}/indicators/{surveyed.satisfaction.id}/survey", {}, page=page
    )
    assert response.status_code == 303
    session.expire_all()
    indicator = _indicator(session, surveyed.engagement, "服务对象满意度")
    assert indicator.verified_source.startswith("满意度调查（有效问卷 6 份，95% 区间 ")
    html = client.get(page).get_data(as_text=True)
    assert indicator.verified_source in html


def test_demo_cross_checks_and_survey_feed_the_road_scores(client, session, app):
    load_demo(session, app.config["STORAGE_DIR"])
    session.commit()
    road = session.scalar(select(Engagement).where(Engagement.title.like("%农村公路%")))
    from evalplatform.accounts.models import User

    evaluator = session.scalar(select(User).where(User.username == "evaluator"))
    matches = {m.indicator.name: m for m in feeds.cross_check_matches(session, road)}
    assert set(matches) == {"预算执行率", "资金到位率"}  # 改造公路里程 is not an indicator of this tree
    # 预算执行率 = ledger (拨付 + 支出) 30,813,374.24 / 到位 38,600,000 = 79.83 %
    assert matches["预算执行率"].value == Decimal("79.83")
    assert matches["预算执行率"].inputs == {"actual_spent": "30813374.24", "funds_in_place": "38600000"}
    assert matches["资金到位率"].value == Decimal("100.00")

    login(client, "evaluator", "demo-pass-2026")
    page = f"/engagements/{road.id}/indicators/scoring"
    response = post_form(client, f"/engagements/{road.id}/indicators/crosscheck", {}, page=page)
    assert response.status_code == 303
    session.expire_all()
    execution = _indicator(session, road, "预算执行率")
    assert execution.verified_value == Decimal("79.83") and execution.verified_source.startswith(
        "对照查证复核：预算执行率"
    )
    assert execution.inputs["actual_spent"] == "30813374.24"
    assert execution.score == (execution.points * Decimal("30813374.24") / Decimal("38600000")).quantize(
        Decimal("0.01")
    )
    assert _indicator(session, road, "资金到位率").score == _indicator(session, road, "资金到位率").points
    assert "已采用对照查证复核的核实值" in client.get(page).get_data(as_text=True)

    satisfaction = _indicator(session, road, "服务对象满意度")
    status = feeds.apply_survey(session, road, satisfaction, evaluator, factories.NOW)
    session.commit()
    assert status.n_valid == 390 and status.adequate and satisfaction.verified_value == status.rate
    assert status.excluded > 0  # the simulated respondents answer 不了解 now and then
    assert satisfaction.verified_source == (
        f"满意度调查（有效问卷 390 份，“不了解”等 {status.excluded} 个回答不计入满意率，"
        f"95% 区间 {status.low}–{status.high}%）"
    )


def test_the_workspace_warns_while_a_score_rests_on_a_figure_the_cross_check_did_not_verify(client, session, app):
    """Issue 21: 预算执行率 scored on the declared 90 % while the cross-check verified 79.83 %."""
    load_demo(session, app.config["STORAGE_DIR"], portfolio=False)
    road = session.scalar(select(Engagement).where(Engagement.title.like("%农村公路%")))
    execution = _indicator(session, road, "预算执行率")
    execution.inputs = {"actual_spent": "34740000", "funds_in_place": "38600000"}  # as declared: 90 %
    session.commit()
    assert feeds.divergences(session, road)[execution.id].verified == Decimal("79.83")
    login(client, "evaluator", "demo-pass-2026")
    html = client.get(f"/engagements/{road.id}/indicators/scoring").get_data(as_text=True)
    row = html[html.index(f'id="indicator-{execution.id}"') :][:3000]
    assert "与核实值不一致：评分所用 90%，核实 79.83%，相差 +10.17个百分点" in row, row

    execution.inputs = {"actual_spent": "30813374.24", "funds_in_place": "38600000"}  # the verified figures
    session.commit()
    assert execution.id not in feeds.divergences(session, road)
