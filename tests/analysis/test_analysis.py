"""Analysis of a responses frame: what counts, how it is grouped, and the edge cases that must not crash."""

from datetime import date

import pytest

from evalplatform.analysis import Filters, analyse, satisfaction_for_scoring
from evalplatform.analysis.contract import ContractError, empty_frame
from evalplatform.analysis.measures import AdequacySettings
from tests.analysis.data import NOW, QUESTIONS, frame


def rows_by_code(result):
    return {row.code: row for row in result.satisfaction}


def test_unknown_is_shown_in_the_distribution_but_left_out_of_the_rate():
    responses = frame([{"q1": 5}, {"q1": 4}, {"q1": 2}, {"q1": 0}, {"q1": None}])
    result = analyse(responses, QUESTIONS, NOW)
    q1 = next(d for d in result.distributions if d.question.code == "q1")
    assert q1.rows[0] == ("非常满意", 1, pytest.approx(1 / 3))
    assert q1.rows[-1] == ("不了解", 1, None)
    assert (q1.answered, q1.unanswered) == (4, 1)
    row = rows_by_code(result)["q1"]
    assert (row.answers, row.satisfied, row.unknown) == (3, 2, 1)
    assert row.rate.estimate == pytest.approx(2 / 3)
    assert row.score.estimate == pytest.approx((100 + 80 + 40) / 3)


def test_only_valid_responses_count_and_invalid_ones_are_listed_with_reasons():
    responses = frame(
        [
            {"q1": 5},
            {"q1": 1, "valid": False, "invalid_reason": "作答过快"},
            {"q1": 1, "valid": False, "invalid_reason": "作答过快"},
            {"q1": 1, "valid": False, "invalid_reason": None},
        ]
    )
    result = analyse(responses, QUESTIONS, NOW)
    assert (result.total, result.valid) == (4, 1)
    assert rows_by_code(result)["q1"].rate.estimate == 1.0
    assert result.invalid_reasons == [("作答过快", 2), ("（未注明原因）", 1)]


def test_dimension_and_overall_pool_the_items_they_contain():
    responses = frame([{"q1": 5, "q2": 3, "q3": 4, "q4": 1}, {"q1": 4, "q2": 4, "q3": 0, "q4": 5}])
    rows = rows_by_code(analyse(responses, QUESTIONS, NOW))
    assert rows["道路质量"].scope == "dimension" and rows["道路质量"].rate.estimate == pytest.approx(3 / 4)
    assert rows["建设管理"].answers == 1
    assert rows["总体"].answers == 7 and rows["总体"].satisfied == 5
    assert rows["总体"].respondents == 2


def test_zero_valid_responses_give_empty_rates_not_errors():
    responses = frame([{"q1": 5, "valid": False, "invalid_reason": "重复提交"}])
    result = analyse(responses, QUESTIONS, NOW)
    overall = result.overall()
    assert overall.rate.estimate is None and overall.rate.note
    assert all(r.result.alpha is None for r in result.reliability)
    assert result.adequacy[-1].achieved_valid == 0 and not result.adequacy[-1].adequate
    assert result.comparisons == []


def test_an_empty_frame_with_no_responses_at_all_is_analysed():
    result = analyse(empty_frame(QUESTIONS), QUESTIONS, NOW)
    assert result.total == 0 and result.timeline == [] and result.last_response_at is None
    assert result.overall().rate.estimate is None


def test_one_response_has_a_rate_but_no_score_interval_and_no_alpha():
    result = analyse(frame([{"q1": 4, "q2": 5, "q3": 3, "q4": 4}]), QUESTIONS, NOW)
    overall = result.overall()
    assert overall.rate.estimate == pytest.approx(3 / 4)
    assert overall.rate.low is not None  # Wilson is defined for n=1
    assert overall.score.low is None and overall.score.note
    assert all(r.result.alpha is None for r in result.reliability)


def test_identical_answers_leave_alpha_undefined_with_the_reason():
    responses = frame([{"q1": 4, "q2": 4, "q3": 4, "q4": 4}] * 6)
    result = analyse(responses, QUESTIONS, NOW)
    road = next(r for r in result.reliability if r.name == "道路质量")
    assert road.result.alpha is None and "方差为 0" in road.result.note
    assert result.overall().rate.estimate == 1.0


def test_a_question_nobody_answered_shows_zero_answers():
    result = analyse(frame([{"q1": 5}, {"q1": 4}]), QUESTIONS, NOW)
    q3 = rows_by_code(result)["q3"]
    assert q3.answers == 0 and q3.rate.estimate is None and q3.score.estimate is None
    role = next(d for d in result.distributions if d.question.code == "role")
    assert role.answered == 0 and all(share is None for _label, _count, share in role.rows)


def test_a_stratum_with_a_population_but_no_responses_is_reported_short():
    settings = AdequacySettings(populations={"甲村": 1000, "乙村": 200}, expected_valid_rate=0.9)
    result = analyse(frame([{"q1": 5}] * 3), QUESTIONS, NOW, adequacy=settings)
    by_stratum = {row.stratum: row for row in result.adequacy}
    assert by_stratum["乙村"].achieved_valid == 0 and by_stratum["乙村"].margin is None
    assert by_stratum["乙村"].required_valid == 132 and by_stratum["乙村"].required_issued == 147
    assert by_stratum["甲村"].required_valid == 278
    assert by_stratum["总体"].population == 1200 and not by_stratum["总体"].adequate


def test_multiple_choice_shares_are_of_respondents_who_answered():
    responses = frame([{"uses": ["farm", "school"]}, {"uses": ["farm"]}, {"uses": []}, {"uses": None}])
    uses = next(d for d in analyse(responses, QUESTIONS, NOW).distributions if d.question.code == "uses")
    assert uses.answered == 2
    assert uses.rows == [("农业生产", 2, 1.0), ("上学", 1, 0.5), ("购物", 0, 0.0)]


def test_groups_are_compared_by_stratum_and_single_choice_questions_with_holm_correction():
    answers = (
        [{"stratum": "甲村", "role": "villager", "q1": 5}] * 20
        + [{"stratum": "乙村", "role": "cadre", "q1": 2}] * 20
        + [{"stratum": "乙村", "role": "villager", "q1": 4}] * 10
    )
    result = analyse(frame(answers), QUESTIONS, NOW)
    q1 = [c for c in result.comparisons if c.item.code == "q1"]
    assert {c.group_by for c in q1} == {"stratum", "role"}
    by_stratum = next(c for c in q1 if c.group_by == "stratum")
    assert by_stratum.chi_square.p_value < 0.001 and by_stratum.chi_square.effect > 0.5
    assert by_stratum.kruskal.p_value < 0.001
    family = [c.chi_square.p_value for c in result.comparisons if c.chi_square.p_value is not None]
    assert by_stratum.chi_square.p_adjusted == pytest.approx(min(1, by_stratum.chi_square.p_value * len(family)))
    by_role = next(c for c in q1 if c.group_by == "role")
    assert [g[0] for g in by_role.groups] == ["村民", "村干部"]


def test_filters_by_distribution_stratum_and_local_date():
    answers = [
        {"q1": 5, "distribution_id": 1, "stratum": "甲村"},
        {"q1": 4, "distribution_id": 2, "stratum": "乙村"},
        {"q1": 1, "distribution_id": 2, "stratum": "甲村"},
    ]
    responses = frame(answers)  # submitted 09:00, 10:00, 11:00 Shanghai on 2 March
    assert analyse(responses, QUESTIONS, NOW, filters=Filters(distribution_ids=(2,))).valid == 2
    assert analyse(responses, QUESTIONS, NOW, filters=Filters(strata=("甲村",))).valid == 2
    assert analyse(responses, QUESTIONS, NOW, filters=Filters(date_from=date(2026, 3, 3))).valid == 0
    assert analyse(responses, QUESTIONS, NOW, filters=Filters(date_to=date(2026, 3, 2))).valid == 3


def test_timeline_counts_per_shanghai_day_with_the_running_valid_total():
    responses = frame([{"q1": 5}] * 20 + [{"q1": 5, "valid": False, "invalid_reason": "x"}])  # hourly from 09:00
    days = analyse(responses, QUESTIONS, NOW).timeline
    assert days == [(date(2026, 3, 2), 15, 15, 15), (date(2026, 3, 3), 6, 5, 20)]


def test_open_text_answers_are_listed_with_keyword_frequency():
    responses = frame(
        [{"advice": "希望增加路灯"}, {"advice": "路灯太少，晚上不安全"}, {"advice": "  "}, {"advice": "排水沟堵塞"}]
    )
    text = analyse(responses, QUESTIONS, NOW).texts[0]
    assert text.total == 3 and text.answers[0] == "排水沟堵塞"
    assert text.keywords[0] == ("路灯", 2)
    assert "希望" not in dict(text.keywords)


def test_a_malformed_frame_is_refused_with_a_specific_message():
    with pytest.raises(ContractError, match="缺少列：valid"):
        analyse(frame([{"q1": 5}]).drop(columns=["valid"]), QUESTIONS, NOW)
    with pytest.raises(ContractError, match="q1"):
        analyse(frame([{"q1": 7}]), QUESTIONS, NOW)


def test_survey_score_feed_gives_rate_interval_count_and_adequacy():
    responses = frame(
        [{"q1": 5, "q4": 4}, {"q1": 2, "q4": 5}, {"q1": 4, "q4": 0}, {"q1": 1, "valid": False, "invalid_reason": "x"}]
    )
    rate, low, high, n_valid, adequacy, excluded = satisfaction_for_scoring(responses, QUESTIONS)
    assert rate == pytest.approx(4 / 5) and low < rate < high and n_valid == 3
    assert excluded == 1  # the 不了解 on q4 (level 0), kept out of the denominator
    assert adequacy.required_valid == 385 and not adequacy.adequate
    item = satisfaction_for_scoring(responses, QUESTIONS, item="q4")
    assert item.rate == 1.0
    with pytest.raises(KeyError):
        satisfaction_for_scoring(responses, QUESTIONS, item="role")


def test_overall_population_is_unknown_when_strata_populations_do_not_cover_every_stratum():
    settings = AdequacySettings(populations={"甲村": 300})
    responses = frame([{"q1": 5, "stratum": "甲村"}, {"q1": 4, "stratum": "乙村"}])
    overall = analyse(responses, QUESTIONS, NOW, adequacy=settings).adequacy[-1]
    assert overall.population is None and overall.required_valid == 385
    explicit = AdequacySettings(populations={"甲村": 300}, total_population=5000)
    assert analyse(responses, QUESTIONS, NOW, adequacy=explicit).adequacy[-1].required_valid == 357


def test_groups_are_listed_in_choice_order_then_sorted():
    answers = [
        {"stratum": "乙村", "role": "cadre", "q1": 5},
        {"stratum": "甲村", "role": "villager", "q1": 4},
        {"stratum": "丙村", "role": "cadre", "q1": 2},
    ]
    result = analyse(frame(answers), QUESTIONS, NOW)
    by = {c.group_by: [g[0] for g in c.groups] for c in result.comparisons if c.item.code == "q1"}
    assert by == {"stratum": sorted(["乙村", "甲村", "丙村"]), "role": ["村民", "村干部"]}


def test_keywords_ignore_numbers_and_count_repeated_answers_each_time():
    from evalplatform.analysis.keywords import keyword_frequency

    words, method = keyword_frequency(["路灯太少，第12组", "路灯太少，第12组", "无", "排水不畅 2025"])
    assert dict(words)["路灯"] == 2 and "12" not in dict(words) and "2025" not in dict(words)
    assert method == "jieba 分词"


def test_without_jieba_keywords_are_character_bigrams():
    from evalplatform.analysis.keywords import tokens

    assert tokens("路灯太少！", segment=None) == ["路灯", "灯太", "太少"]
