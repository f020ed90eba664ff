"""Satisfaction from the choice list, hand-checked: an imported XLSForm with a Chinese five-point scale (with
不了解) and an English four-point scale (with Don't know), answered through the real intake; "no opinion"
answers are counted, reported and kept out of the rate's denominator, in the analysis, the scoring feed (the
indicator's verified value and its source line, which the bureau reads with the scores) and the report's
annex."""

import uuid
from decimal import Decimal

import pytest

from evalplatform.analysis import analyse, satisfaction_for_scoring
from evalplatform.analysis.sources import questionnaire_surveys
from evalplatform.instruments import scales, xlsform
from evalplatform.instruments import service as instruments
from evalplatform.questionnaires import service as questionnaires
from evalplatform.reporting.assembly import survey_sections
from evalplatform.scoring import feeds
from tests import factories
from tests.questionnaires.xlsform_corpus import to_xlsx

FORM = {
    "survey": [
        ("type", "name", "label", "required"),
        ("select_one sat5", "road", "道路质量", "yes"),
        ("select_one sat4", "bus", "Bus service", "yes"),
        ("select_one yn", "villager", "是否本村村民", "yes"),
    ],
    "choices": [
        ("list_name", "name", "label"),
        ("sat5", "a", "非常满意"),
        ("sat5", "b", "满意"),
        ("sat5", "c", "一般"),
        ("sat5", "d", "不满意"),
        ("sat5", "e", "非常不满意"),
        ("sat5", "x", "不了解"),
        ("sat4", "vs", "Very satisfied"),
        ("sat4", "s", "Satisfied"),
        ("sat4", "d", "Dissatisfied"),
        ("sat4", "vd", "Very dissatisfied"),
        ("sat4", "dk", "Don't know"),
        ("yn", "1", "是"),
        ("yn", "2", "否"),
    ],
}
# Ten respondents. Road: a a b b c d e x x x → 7 rated, 4 satisfied, 3 不了解.
# Bus:  vs s s d vd, then five Don't know → 5 rated, 3 satisfied, 5 no opinion.
ROAD = ["a", "a", "b", "b", "c", "d", "e", "x", "x", "x"]
BUS = ["vs", "s", "s", "d", "vd", "dk", "dk", "dk", "dk", "dk"]


@pytest.fixture
def answered(session):
    world = factories.World(session)
    definition = xlsform.import_xlsform(to_xlsx(FORM)).definition
    instrument = instruments.create_instrument(session, world.engagement, world.evaluator, factories.NOW, definition)
    distribution = questionnaires.create_distribution(
        session,
        instrument,
        world.evaluator,
        factories.NOW,
        questionnaires.DistributionFields(name="甲村", stratum="甲村"),
    )
    for road, bus in zip(ROAD, BUS):
        questionnaires.submit_response(
            session, distribution, uuid.uuid4(), {"road": road, "bus": bus, "villager": "1"}, factories.NOW
        )
    session.commit()
    return world


def test_the_lists_are_recognised_as_scales_by_their_labels():
    definition = xlsform.import_xlsform(to_xlsx(FORM)).definition
    questions = {q["code"]: q for q in definition["sections"][0]["questions"]}
    road, bus = scales.scale_of(questions["road"]), scales.scale_of(questions["bus"])
    assert [(code, score, satisfied) for code, _l, score, satisfied in road.rated] == [
        ("a", 100, True),
        ("b", 80, True),
        ("c", 60, False),
        ("d", 40, False),
        ("e", 20, False),
    ]
    assert [(code, score, satisfied) for code, _l, score, satisfied in bus.rated] == [
        ("vs", 100, True),
        ("s", 75, True),
        ("d", 50, False),
        ("vd", 25, False),
    ]
    assert road.no_opinion_codes == {"x"} and bus.no_opinion_codes == {"dk"}
    assert scales.scale_of(questions["villager"]) is None


def test_no_opinion_answers_are_reported_and_left_out_of_the_rate(session, answered):
    [survey] = questionnaire_surveys(session, answered.engagement)
    result = analyse(survey.frame, survey.questions, factories.NOW)
    rows = {r.code: r for r in result.satisfaction}
    road, bus, overall = rows["road"], rows["bus"], rows["总体"]
    # Road: 7 rated answers (a a b b c d e), 4 satisfied → 4/7; scores 100+100+80+80+60+40+20 = 480 → 480/7.
    assert (road.answers, road.unknown, road.satisfied) == (7, 3, 4)
    assert road.rate.estimate == pytest.approx(4 / 7) and road.score.estimate == pytest.approx(480 / 7)
    # Bus: 5 rated (vs s s d vd), 3 satisfied → 3/5; scores 100+75+75+50+25 = 325 → 65.
    assert (bus.answers, bus.unknown, bus.satisfied) == (5, 5, 3)
    assert bus.rate.estimate == pytest.approx(0.6) and bus.score.estimate == pytest.approx(65.0)
    # Pooled: 12 rated, 7 satisfied; 8 no-opinion answers excluded.
    assert (overall.answers, overall.unknown, overall.satisfied) == (12, 8, 7)
    assert overall.rate.estimate == pytest.approx(7 / 12)
    road_levels = next(d for d in result.distributions if d.question.code == "road").rows
    assert road_levels == [
        ("非常满意", 2, pytest.approx(2 / 7)),
        ("满意", 2, pytest.approx(2 / 7)),
        ("一般", 1, pytest.approx(1 / 7)),
        ("不满意", 1, pytest.approx(1 / 7)),
        ("非常不满意", 1, pytest.approx(1 / 7)),
        ("不了解", 3, None),
    ]


def test_the_scoring_feed_and_the_report_use_the_same_rate_and_print_the_excluded_count(session, answered):
    [survey] = questionnaire_surveys(session, answered.engagement)
    score = satisfaction_for_scoring(survey.frame, survey.questions)
    assert score.rate == pytest.approx(7 / 12) and score.excluded == 8
    status = feeds.survey_status(session, answered.engagement)
    assert status.rate == Decimal("58.3") and "“不了解”等 8 个回答不计入满意率" in status.source
    [section] = survey_sections(session, answered.engagement, factories.NOW)
    assert "无明确评价的回答 8 个，未计入满意率的分母" in section["summary"]
    assert "总体满意率 58.3%" in section["summary"]
    header = section["table"]["header"]
    overall = next(r for r in section["table"]["rows"] if r[0] == "【总体】总体")
    assert overall[header.index("不计入（不了解等）")] == 8 and overall[header.index("满意率")] == "58.3%"
    assert Decimal("58.3") == Decimal(overall[header.index("满意率")].rstrip("%"))
