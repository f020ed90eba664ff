"""Checklist templates in surveys/ are valid instruments of kind 'checklist' with well-formed items."""

import copy

import pytest

from evalplatform.inspections import checklist
from evalplatform.instruments import service as instruments
from tests import factories

NAMES = ["checklist-road-bridge-acceptance", "checklist-public-facility-operation", "checklist-subsidy-home-visit"]


def test_the_library_lists_the_three_checklists():
    assert sorted(t["name"] for t in checklist.checklist_templates()) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_template_loads_with_results_measures_and_photo_counts(name):
    definition = checklist.load_checklist_template(name)
    assert definition["kind"] == "checklist" and "x-results" not in definition
    found = checklist.items(definition)
    assert len(found) >= 6
    assert any(i.measure for i in found) and any(i.photos_required for i in found)
    for item in found:
        if item.measure:
            assert item.measure["unit"] and item.measure["key"]


def test_road_template_measures_length_in_km():
    found = {i.code: i for i in checklist.items(checklist.load_checklist_template(NAMES[0]))}
    assert found["road_length"].measure == {
        "key": "road_length_km",
        "label": "实测长度",
        "unit": "km",
        "quantity": "length",
    }
    assert found["road_length"].photos_required == 2


def _base():
    return copy.deepcopy(checklist.load_checklist_template(NAMES[0]))


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(kind="questionnaire"), "必须是 checklist"),
        (lambda d: d["sections"][0]["questions"][0].update(choices=[{"code": "y", "label": "是"}]), "符合/不符合"),
        (lambda d: d["sections"][0]["questions"][0].update(type="text"), "必须是单选题"),
        (lambda d: d["sections"][0]["questions"][0]["measure"].update(unit=""), "需要单位"),
        (lambda d: d["sections"][0]["questions"][0]["measure"].update(key="Road Length"), "英文小写编码"),
        (lambda d: d["sections"][0]["questions"][1]["measure"].update(key="road_length_km"), "实测值编码重复"),
        (lambda d: d["sections"][0]["questions"][0]["measure"].update(quantity="weight"), "量纲"),
        (lambda d: d["sections"][0]["questions"][0].update(photos_required=11), "应拍照片数"),
        (lambda d: d["sections"][0]["questions"][0].update(photos_required="2"), "应拍照片数"),
        (lambda d: d["sections"][0]["questions"][0].update(code="1bad"), "题目编码无效"),
    ],
)
def test_bad_checklists_are_refused_with_a_specific_message(change, message):
    definition = _base()
    change(definition)
    with pytest.raises(checklist.DefinitionError) as refused:
        checklist.validate_checklist(definition)
    assert message in str(refused.value)


def test_a_checklist_becomes_an_instrument_of_kind_checklist(session):
    world = factories.World(session)
    instrument = instruments.create_instrument(
        session,
        world.engagement,
        world.evaluator,
        factories.NOW,
        checklist.load_checklist_template(NAMES[2]),
        source=NAMES[2],
    )
    assert instrument.kind == "checklist" and instrument.latest.definition["title"] == "补贴对象入户核查表"
