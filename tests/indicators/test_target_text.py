"""Targets as the units write them: every operator word, percent and unit forms, and what is flagged."""

from decimal import Decimal

import pytest

from evalplatform.indicators.target_text import parse_target, percent_text

CASES = [  # text, unit column, operator column -> operator, value, unit
    ("≥95%", "", "", "≥", "95", "%"),
    ("=100%", "", "", "=", "100", "%"),
    ("＝100％", "", "", "=", "100", "%"),
    ("不低于3.5公里", "", "", "≥", "3.5", "公里"),
    ("≤ 30天", "", "", "≤", "30", "天"),
    ("＞15分钟", "", "", ">", "15", "分钟"),
    ("＜5%", "", "", "<", "5", "%"),
    ("不少于1,200户", "", "", "≥", "1200", "户"),
    ("不超过90万元", "", "", "≤", "90", "万元"),
    ("不高于10%", "", "", "≤", "10", "%"),
    ("达到100%", "", "", "≥", "100", "%"),
    ("95%以上", "", "", "≥", "95", "%"),
    ("30天以内", "", "", "≤", "30", "天"),
    ("≥100百分比", "", "", "≥", "100", "%"),
    (">=12 场", "", "", "≥", "12", "场"),
    ("≧90%", "", "", "≥", "90", "%"),
    ("大于等于98%", "", "", "≥", "98", "%"),
    ("95（含）以上", "%", "", "≥", "95", "%"),
    ("48个", "", "", "=", "48", "个"),
    ("95", "%", "≥", "≥", "95", "%"),
    ("0.5", "万元", "≤", "≤", "0.5", "万元"),
    ("85", "%", "正向", "≥", "85", "%"),
    ("3", "天", "反向", "≤", "3", "天"),
    ("≤26万元/公里", "", "", "≤", "26", "万元/公里"),
    ("5‰以下", "", "", "≤", "5", "‰"),
    ("2.3万人", "", "", "=", "2.3", "万人"),
]


@pytest.mark.parametrize("text, unit, operator, want_operator, want_value, want_unit", CASES, ids=[c[0] for c in CASES])
def test_a_target_is_read_as_written(text, unit, operator, want_operator, want_value, want_unit):
    target = parse_target(text, unit, operator)
    assert (target.operator, target.value, target.unit, target.original, target.flagged) == (
        want_operator,
        Decimal(want_value),
        want_unit,
        text,
        False,
    )


@pytest.mark.parametrize("text", ["约50个", "90%-95%", "3~5天", "2025年11月底前", "≥", "≥较好", "百分之九十五"])
def test_what_cannot_be_read_for_sure_is_kept_as_text_and_flagged(text):
    target = parse_target(text)
    assert (target.operator, target.value, target.original, target.flagged, target.code) == (
        None,
        None,
        text,
        True,
        "qualitative",
    )
    assert target.reason


@pytest.mark.parametrize("text", ["明显改善", "按期完成", "达到国家标准", "不低于上年水平", "建立长效管护机制"])
def test_a_qualitative_target_is_text_and_not_flagged(text):
    target = parse_target(text)
    assert (target.operator, target.value, target.flagged, target.code) == (None, None, False, "qualitative")


def test_an_empty_target_is_flagged():
    assert parse_target(None).flagged and parse_target("  ").reason == "指标值为空"


def test_percent_formatted_numbers_are_shown_as_excel_shows_them():
    assert [percent_text(v) for v in (1, 1.0, 0.955, 0.9, 0)] == ["100%", "100%", "95.5%", "90%", "0%"]


def test_codes_for_scoring():
    assert [parse_target(t).code for t in ("≥1", ">1", "≤1", "<1", "=1", "好")] == [
        "ge",
        "ge",
        "le",
        "le",
        "eq",
        "qualitative",
    ]
