"""The flat copy of a response's answers (response.answers_flat, questionnaires.flat): written by every
writer, and read by responses_frame on PostgreSQL to exactly the frame the JSON gives."""

import copy
import random
import uuid

import pandas as pd
import pytest
from sqlalchemy import select, text

from evalplatform.analysis.sources import questionnaire_surveys
from evalplatform.instruments import service as instruments
from evalplatform.questionnaires import exports
from evalplatform.questionnaires import service as questionnaires
from evalplatform.questionnaires.exports import responses_frame
from evalplatform.questionnaires.flat import EMPTY, SEPARATOR, flat_answers, flat_columns
from evalplatform.questionnaires.models import Response
from tests import factories
from tests.analysis.test_sources import ADVICE, MIXED
from tests.questionnaires.conftest import answers
from tests.questionnaires.test_intake import post

# Version 2 of MIXED: the matrix gains an item, the single satisfaction question moves before it, `role` is
# gone, a text question is added: each version's flat copy has its own columns in its own order.
EDITED = copy.deepcopy(MIXED)
_questions = EDITED["sections"][0]["questions"]
_questions[2]["items"].append({"code": "clean", "label": "环境卫生"})
_questions.insert(2, _questions.pop(4))  # overall before svc
_questions.pop(0)  # role
_questions.append({"code": "where", "type": "text", "label": "地点"})


def test_the_flat_form_is_the_versions_string_columns_in_order():
    assert flat_columns(MIXED) == ["role", "svc.speed", "svc.manner", "freq.road", "overall", "advice"]
    assert flat_columns(EDITED) == ["overall", "svc.speed", "svc.manner", "svc.clean", "freq.road", "advice", "where"]
    given = {"role": "a", "uses": ["bus"], "svc": {"manner": "dk"}, "age": 3, "advice": "好\n,"}
    assert flat_answers(MIXED, given) == SEPARATOR.join(["a", "", "dk", "", "", "好\n,"])
    assert flat_answers(MIXED, {}) == SEPARATOR * 5
    assert flat_answers(MIXED, {"advice": "", "svc": {"speed": ""}}) == SEPARATOR.join(["", EMPTY, "", "", "", EMPTY])


@pytest.mark.parametrize(
    "given",
    [
        {"advice": "a\x1fb"},  # the separator
        {"advice": "\x1e"},  # the mark of an empty string
        {"advice": "a\x1eb"},
        {"role": 1},  # not a string
        {"svc": ["5"]},  # a matrix that is no object
        {"svc": {"speed": {"x": "5"}}},
    ],
)
def test_answers_the_form_cannot_hold_exactly_get_no_flat_copy(given):
    assert flat_answers(MIXED, given) is None


def _mixed_survey(session, n=40, seed=5):
    """MIXED in two versions, n responses each through its own channel: blanks, dk, lists, texts, invalid."""
    world = factories.World(session)
    instrument = instruments.create_instrument(session, world.engagement, world.evaluator, factories.NOW, MIXED)
    fields = questionnaires.DistributionFields
    first = questionnaires.create_distribution(
        session, instrument, world.evaluator, factories.NOW, fields(name="线上", stratum="甲村")
    )
    instruments.save_definition(session, instrument, world.evaluator, factories.NOW, EDITED)
    second = questionnaires.create_distribution(
        session, instrument, world.evaluator, factories.NOW, fields(name="线下", stratum="乙村")
    )
    rng = random.Random(seed)
    levels = ["1", "2", "3", "4", "5", "dk", None, None]
    for i in range(2 * n):
        channel, items = (first, ("speed", "manner")) if i % 2 == 0 else (second, ("speed", "manner", "clean"))
        given = {
            "role": rng.choice(["a", "b", None]) if channel is first else None,
            "uses": rng.choice([["bus"], ["bus", "car"], None]),
            "svc": {item: level for item in items if (level := rng.choice(levels)) is not None} or None,
            "freq": rng.choice([{"road": "often"}, {"road": "never"}, None]),
            "overall": rng.choice(levels),
            "age": rng.choice([25, 61, None]),
            "advice": rng.choice([ADVICE, "路面 平整，谢谢", "  ", None, None]),
            "where": rng.choice(["柳湾", None]) if channel is second else None,
        }
        given = {k: v for k, v in given.items() if v is not None}
        response, _created = questionnaires.submit_response(
            session, channel, uuid.UUID(int=i + 1), given, factories.NOW, duration_s=rng.randint(30, 600)
        )
        if i % 7 == 3:
            questionnaires.mark_invalid(session, response, world.evaluator, factories.NOW, "重复作答")
    session.commit()
    world.instrument, world.channels = instrument, (first, second)
    return world


LEVELS = {
    column: {c: float(v) for c, v in zip("12345", (1, 2, 3, 4, 5))} | {"dk": 0.0}
    for column in ("svc.speed", "svc.manner", "svc.clean", "overall")
}


@pytest.fixture
def flat_reads(monkeypatch):
    """What each read of the flat copies gave (None: it fell back to the JSON)."""
    found, read = [], exports._flat_from_postgres
    monkeypatch.setattr(exports, "_flat_from_postgres", lambda *args: found.append(read(*args)) or found[-1])
    return found


def _same_both_ways(session, owner, **options):
    from_flat = responses_frame(session, owner, **options)
    from_json = responses_frame(session, owner, flat=False, **options)
    pd.testing.assert_frame_equal(from_flat, from_json, check_exact=True)
    return from_flat


def test_the_frame_from_the_flat_copies_is_the_frame_from_the_json(session, flat_reads):
    world = _mixed_survey(session)
    stored = session.execute(select(Response.answers, Response.answers_flat, Response.version_id)).all()
    assert len(stored) == 80 and all(flat is not None for _answers, flat, _version in stored)
    frame = _same_both_ways(session, world.instrument)
    assert len(frame) == 80 and (~frame["valid"]).sum() == 11
    assert frame["svc.clean"].notna().any() and frame["role"].notna().any() and frame["where"].notna().any()
    _same_both_ways(session, world.instrument, quality=False, levels=LEVELS)
    _same_both_ways(session, world.engagement, labels=True)
    _same_both_ways(session, world.instrument, only={"svc.speed", "advice", "uses"}, levels=LEVELS)
    _same_both_ways(session, world.instrument, distribution_id=world.channels[1].id, levels=LEVELS)
    _same_both_ways(session, world.instrument, stratum="甲村", quality=False, levels=LEVELS)
    with_levels = _same_both_ways(session, world.instrument, levels=LEVELS, quality=False)
    if session.get_bind().dialect.name == "postgresql":  # levels mapped on loading (SQLite: codes)
        assert len(flat_reads) == 7 and all(found is not None for found in flat_reads)
        assert with_levels["svc.speed"].dtype == float and with_levels["svc.speed"].isin([0.0, 5.0]).any()


def test_responses_without_a_flat_copy_load_the_same(session, flat_reads):
    world = _mixed_survey(session, n=10)
    before = responses_frame(session, world.instrument, levels=LEVELS)
    [survey_before] = questionnaire_surveys(session, world.engagement)
    session.execute(text("UPDATE response SET answers_flat = NULL WHERE id % 3 = 0"))
    session.commit()
    pd.testing.assert_frame_equal(_same_both_ways(session, world.instrument, levels=LEVELS), before, check_exact=True)
    [survey_after] = questionnaire_surveys(session, world.engagement)
    pd.testing.assert_frame_equal(survey_after.frame, survey_before.frame, check_exact=True)
    if session.get_bind().dialect.name == "postgresql":
        assert flat_reads[-1] is None


def test_a_column_of_another_type_in_another_version_loads_the_same(session):
    # "advice" is text in version 1 and an integer in version 2: its cells are not all in the flat copies.
    world = factories.World(session)
    instrument = instruments.create_instrument(session, world.engagement, world.evaluator, factories.NOW, MIXED)
    fields = questionnaires.DistributionFields(name="线上", stratum="甲村")
    first = questionnaires.create_distribution(session, instrument, world.evaluator, factories.NOW, fields)
    edited = copy.deepcopy(MIXED)
    edited["sections"][0]["questions"][-1]["type"] = "integer"
    instruments.save_definition(session, instrument, world.evaluator, factories.NOW, edited)
    second = questionnaires.create_distribution(session, instrument, world.evaluator, factories.NOW, fields)
    questionnaires.submit_response(session, first, uuid.UUID(int=1), {"advice": "好", "overall": "5"}, factories.NOW)
    questionnaires.submit_response(session, second, uuid.UUID(int=2), {"advice": 7, "overall": "dk"}, factories.NOW)
    session.commit()
    frame = _same_both_ways(session, instrument, levels=LEVELS)
    assert frame["advice"].tolist() == ["好", "7"]  # read as the first version types it, as before


def test_no_responses_give_the_same_empty_frame(session):
    world = factories.World(session)
    instrument = instruments.create_instrument(session, world.engagement, world.evaluator, factories.NOW, MIXED)
    session.commit()
    _same_both_ways(session, instrument, levels=LEVELS)
    _same_both_ways(session, instrument)


def test_every_intake_path_stores_the_flat_copy(client, session, survey):
    # On PostgreSQL the public POST takes the fast lane (questionnaires.intake); the service is the full path.
    assert (
        post(client, survey.distribution.token, {"client_uuid": str(uuid.uuid4()), "answers": answers()}).status_code
        == 200
    )
    questionnaires.submit_response(
        session, survey.distribution, uuid.uuid4(), answers(sat01="dk", suggestion=None), factories.NOW
    )
    session.commit()
    definition = survey.instrument.latest.definition
    rows = session.execute(select(Response.answers, Response.answers_flat).order_by(Response.id)).all()
    assert len(rows) == 2
    for stored, flat in rows:
        assert flat is not None and flat == flat_answers(definition, stored)
