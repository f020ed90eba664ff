"""Instrument definitions: validation with specific problems, templates, versions frozen once distributed."""

import pytest

from evalplatform.instruments import service
from evalplatform.instruments.schema import DefinitionError, validate_definition
from evalplatform.questionnaires import service as questionnaires
from tests import factories


def q(code, type_="text", **extra):
    return {"code": code, "type": type_, "label": f"题{code}", **extra}


def test_every_problem_in_a_definition_is_listed():
    definition = {
        "title": "",
        "sections": [
            {
                "code": "s",
                "questions": [
                    q("1bad"),
                    q("a", "teleport"),
                    q("b", "single_choice"),
                    q("c", relevant="${missing} = 1"),
                    q("later"),
                    q("d", constraint="eval('x')"),
                    q("d"),
                    q("e", "satisfaction", attention_check={"expected": "9"}),
                ],
            }
        ],
    }
    with pytest.raises(DefinitionError) as error:
        validate_definition(definition)
    text = "\n".join(error.value.problems)
    for expected in (
        "缺少问卷标题",
        "1bad",
        "teleport",
        "题目 b：需要至少一个选项",
        "missing",
        "题目 d 的约束条件无效",
        "题目编码重复：d",
        "注意力检测",
    ):
        assert expected in text, expected


def test_the_three_standard_templates_are_valid_and_complete():
    templates = service.list_templates("questionnaire")
    assert len(templates) >= 3
    for template in templates:
        definition = service.load_template(template["name"])
        questions = [q for s in definition["sections"] for q in s["questions"]]
        items = [q for q in questions if q["type"] == "satisfaction" and not q.get("attention_check")]
        assert 8 <= len(items) <= 16, template["name"]
        assert any(q.get("attention_check") for q in questions)
        assert any(q["type"] == "text" and "建议" in q["label"] for q in questions)
        assert {"gender", "age_group"} <= {q["code"] for q in questions}


def test_a_template_name_cannot_walk_out_of_the_library():
    with pytest.raises(service.InstrumentNotFound):
        service.load_template("../pyproject")


def test_editing_a_distributed_version_makes_a_new_one_and_responses_keep_theirs(session):
    world = factories.World(session)
    definition = {"title": "问卷", "sections": [{"code": "s", "questions": [q("a")]}]}
    instrument = service.create_instrument(session, world.engagement, world.evaluator, factories.NOW, definition)
    edited = {**definition, "title": "问卷（改）"}
    assert service.save_definition(session, instrument, world.evaluator, factories.NOW, edited).number == 1
    distribution = questionnaires.create_distribution(
        session, instrument, world.evaluator, factories.NOW, questionnaires.DistributionFields(name="n", stratum="s")
    )
    assert instrument.versions[0].is_frozen
    v2 = service.save_definition(
        session,
        instrument,
        world.evaluator,
        factories.NOW,
        {**edited, "sections": [{"code": "s", "questions": [q("a"), q("b")]}]},
    )
    assert v2.number == 2 and not v2.is_frozen
    assert distribution.version.number == 1 and len(distribution.version.definition["sections"][0]["questions"]) == 1
    session.commit()
