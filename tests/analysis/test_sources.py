"""The real analysis provider: responses submitted through the questionnaire service, analysed."""

import uuid

import pandas as pd
import pytest

from evalplatform.analysis import analyse, satisfaction_for_scoring
from evalplatform.analysis.sources import questionnaire_surveys
from evalplatform.analysis.views import PROVIDER_KEY
from evalplatform.instruments import service as instruments
from evalplatform.questionnaires import service as questionnaires
from evalplatform.questionnaires.exports import responses_frame
from evalplatform.questionnaires.flat import flat_answers
from tests import factories
from tests.conftest import login
from tests.questionnaires.conftest import answers

ADVICE = '[多设站点], "公交",\n\\N 第二行'  # CSV-hostile: brackets, quotes, comma, newline, \\N

MIXED = {
    "title": "混合题型问卷",
    "kind": "questionnaire",
    "sections": [
        {
            "code": "s1",
            "title": "第一部分",
            "questions": [
                {
                    "code": "role",
                    "type": "single_choice",
                    "label": "身份",
                    "choices": [{"code": "a", "label": "村民"}, {"code": "b", "label": "干部"}],
                },
                {
                    "code": "uses",
                    "type": "multiple_choice",
                    "label": "出行方式",
                    "choices": [{"code": "bus", "label": "公交"}, {"code": "car", "label": "自驾"}],
                },
                {
                    "code": "svc",
                    "type": "matrix",
                    "label": "服务质量",
                    "items": [{"code": "speed", "label": "办理速度"}, {"code": "manner", "label": "服务态度"}],
                },
                {
                    "code": "freq",
                    "type": "matrix",
                    "label": "使用频率",
                    "choices": [{"code": "often", "label": "经常"}, {"code": "never", "label": "从不"}],
                    "items": [{"code": "road", "label": "道路"}],
                },
                {"code": "overall", "type": "satisfaction", "label": "总体满意度"},
                {"code": "age", "type": "integer", "label": "年龄"},
                {"code": "note1", "type": "note", "label": "说明"},
                {"code": "advice", "type": "text", "label": "建议"},
            ],
        }
    ],
}


@pytest.fixture
def road(session):
    world = factories.World(session)
    instrument = factories.questionnaire(session, world.engagement, world.evaluator)
    channels = [
        questionnaires.create_distribution(
            session,
            instrument,
            world.evaluator,
            factories.NOW,
            questionnaires.DistributionFields(name=f"{v}链接", stratum=v),
        )
        for v in ("柳湾村", "白沙乡")
    ]
    submitted = []
    for n, (channel, overrides) in enumerate(
        [
            (0, {}),
            (0, {"sat01": "dk", "sat02": "2"}),
            (1, {"sat01": "1", "sat02": "3", "suggestion": None}),
            (1, {"sat01": "5"}),
        ]
    ):
        values = {k: v for k, v in answers(**overrides).items() if v is not None}
        response, _ = questionnaires.submit_response(
            session, channels[channel], uuid.UUID(int=n + 1), values, factories.NOW, duration_s=300
        )
        submitted.append(response)
    questionnaires.mark_invalid(session, submitted[3], world.evaluator, factories.NOW, "同一人重复作答")
    session.commit()
    world.instrument, world.channels, world.responses = instrument, channels, submitted
    return world


def test_provider_maps_the_template_onto_the_analysis_contract(session, road):
    [survey] = questionnaire_surveys(session, road.engagement)
    assert survey.key == str(road.instrument.id) and survey.title == road.instrument.title
    types = {q.code: q.type for q in survey.questions}
    assert types["sat01"] == types["sat_overall"] == "satisfaction5"
    assert "attention" not in types  # the attention check is not a satisfaction item
    assert types["gender"] == "single" and types["suggestion"] == "text"
    frame = survey.frame.set_index("response_id")
    ids = [r.id for r in road.responses]
    assert frame.loc[ids, "sat01"].tolist() == [5.0, 0.0, 1.0, 5.0]  # 'dk' → 0 (不了解)
    assert frame.loc[ids, "valid"].tolist() == [True, True, True, False]
    assert frame.loc[ids[3], "invalid_reason"] == "同一人重复作答"
    assert frame.loc[ids, "stratum"].tolist() == ["柳湾村", "柳湾村", "白沙乡", "白沙乡"]
    assert str(survey.frame["submitted_at"].dt.tz) == "UTC"
    assert survey.distribution_labels == {
        road.channels[0].id: "柳湾村链接（柳湾村）",
        road.channels[1].id: "白沙乡链接（白沙乡）",
    }


def test_provided_data_analyses_and_feeds_scoring(session, road):
    [survey] = questionnaire_surveys(session, road.engagement)
    result = analyse(survey.frame, survey.questions, factories.NOW, adequacy=survey.adequacy)
    assert result.valid == 3
    item = satisfaction_for_scoring(survey.frame, survey.questions, "sat01")
    assert item.n_valid == 3 and item.rate == pytest.approx(0.5)  # 5 and 1 rated; dk excluded
    overall = satisfaction_for_scoring(survey.frame, survey.questions)
    assert 0 < overall.ci_low < overall.rate < overall.ci_high < 1


def _mixed_channel(session, world):
    """A channel of the MIXED questionnaire (every answer type) in the world's engagement."""
    instrument = instruments.create_instrument(session, world.engagement, world.evaluator, factories.NOW, MIXED)
    return questionnaires.create_distribution(
        session,
        instrument,
        world.evaluator,
        factories.NOW,
        questionnaires.DistributionFields(name="线上", stratum="全体"),
    )


def test_an_answer_holding_the_packing_separator_loads_without_shifting_the_others(session):
    # On PostgreSQL satisfaction answers travel as one string cut at "\x1f" (questionnaires.exports): a stored
    # answer containing it is no code (no level) and must not move any other answer to another item or row.
    world = factories.World(session)
    channel = _mixed_channel(session, world)
    first, _created = questionnaires.submit_response(
        session, channel, uuid.UUID(int=1), {"svc": {"speed": "5", "manner": "dk"}, "overall": "4"}, factories.NOW
    )
    questionnaires.submit_response(session, channel, uuid.UUID(int=2), {"overall": "3"}, factories.NOW)
    first.answers = {"svc": {"speed": "5", "manner": "dk"}, "overall": "4\x1f2"}
    first.answers_flat = flat_answers(first.version.definition, first.answers)  # what a writer stores: None
    assert first.answers_flat is None
    session.commit()
    [survey] = questionnaire_surveys(session, world.engagement)
    one, two = survey.frame.to_dict("records")
    assert (one["svc.speed"], one["svc.manner"]) == (5.0, 0.0) and pd.isna(one["overall"])
    assert pd.isna(two["svc.speed"]) and pd.isna(two["svc.manner"]) and two["overall"] == 3.0


def test_matrix_multiple_choice_and_skipped_types(session):
    world = factories.World(session)
    channel = _mixed_channel(session, world)
    questionnaires.submit_response(
        session,
        channel,
        uuid.UUID(int=7),
        {
            "role": "b",
            "uses": ["bus", "car"],
            "svc": {"speed": "4", "manner": "dk"},
            "freq": {"road": "often"},
            "overall": "3",
            "age": 40,
            "advice": ADVICE,
        },
        factories.NOW,
    )
    questionnaires.submit_response(session, channel, uuid.UUID(int=8), {"role": "a"}, factories.NOW)
    session.commit()
    [survey] = questionnaire_surveys(session, world.engagement)
    questions = {q.code: q for q in survey.questions}
    assert set(questions) == {"role", "uses", "svc.speed", "svc.manner", "overall", "advice"}
    assert questions["svc.speed"].type == "satisfaction5" and questions["svc.speed"].dimension == "服务质量"
    assert questions["svc.manner"].label == "服务态度"
    assert questions["uses"].type == "multiple" and questions["uses"].choices == (("bus", "公交"), ("car", "自驾"))
    first, second = survey.frame.to_dict("records")
    assert (first["svc.speed"], first["svc.manner"], first["overall"]) == (4.0, 0.0, 3.0)
    assert first["uses"] == ["bus", "car"] and first["role"] == "b" and first["advice"] == ADVICE
    raw = responses_frame(session, channel.instrument).to_dict("records")  # the export keeps every type
    assert raw[0]["age"] == 40 and raw[0]["freq.road"] == "often" and raw[0]["uses"] == ["bus", "car"]
    assert pd.isna(raw[1]["age"]) and pd.isna(raw[1]["advice"]) and raw[0]["quality_flags"] == []
    assert pd.isna(second["svc.speed"]) and second["uses"] is None and second["advice"] is None
    result = analyse(survey.frame, survey.questions, factories.NOW)
    assert result.valid == 2


def test_engagement_without_questionnaire_has_no_surveys(session):
    world = factories.World(session)
    assert questionnaire_surveys(session, world.engagement) == []


def test_the_page_shows_the_real_responses(client, app, road):
    assert app.extensions[PROVIDER_KEY] is questionnaire_surveys
    login(client, road.evaluator.username)
    html = client.get(f"/engagements/{road.engagement.id}/analysis").get_data(as_text=True)
    assert road.instrument.title in html
    assert 'data-testid="analysis-valid">3<' in html
    assert "同一人重复作答：1" in html and "白沙乡链接（白沙乡）" in html


def test_satisfaction_only_loads_just_the_satisfaction_items(session, app):
    """What the report's annex loads: the same satisfaction columns and rows, without profile or open answers."""
    from sqlalchemy import select

    from evalplatform.analysis import sources
    from evalplatform.demo import load_demo
    from evalplatform.engagements.models import Engagement

    load_demo(session, app.config["STORAGE_DIR"], portfolio=False)
    session.commit()
    road = session.scalar(select(Engagement).where(Engagement.title.like("%农村公路%")))
    [full] = sources.questionnaire_surveys(session, road)
    [light] = sources.questionnaire_surveys(session, road, satisfaction_only=True)
    satisfaction = [q.code for q in full.questions if q.type == "satisfaction5"]
    assert satisfaction and [q.code for q in light.questions] == satisfaction
    assert len(light.frame) == len(full.frame)
    assert light.frame[satisfaction].equals(full.frame[satisfaction])
    assert set(light.frame.columns) < set(full.frame.columns)


def test_stated_populations_drive_the_sample_size_check_and_channels_of_a_stratum_are_not_added(session, road):
    road.channels[0].population = 300
    road.channels[1].population = 120
    again = questionnaires.create_distribution(
        session,
        road.instrument,
        road.evaluator,
        factories.NOW,
        questionnaires.DistributionFields(name="柳湾村海报", stratum="柳湾村", population=300),
    )
    session.commit()
    assert again.population == 300
    survey = questionnaire_surveys(session, road.engagement)[0]
    assert dict(survey.adequacy.populations) == {"柳湾村": 300, "白沙乡": 120}
    rows = {
        row.stratum: row
        for row in analyse(survey.frame, survey.questions, factories.NOW, adequacy=survey.adequacy).adequacy
    }
    # n = 384.16 / (1 + 383.16 / N): 169 of 300, 92 of 120, 201 of 420 (finite-population corrected)
    assert (rows["柳湾村"].required_valid, rows["白沙乡"].required_valid, rows["总体"].required_valid) == (169, 92, 201)
