"""The statistics against independent references: textbook tables, a published worked example, scipy."""

import numpy as np
import pytest
from scipy import stats as sps

from evalplatform.analysis import stats


@pytest.mark.parametrize(
    "successes, n, low, high",
    [
        # Newcombe RG (1998) "Two-sided confidence intervals for the single proportion: comparison of seven
        # methods", Statistics in Medicine 17:857–872, Table I, method 3 (Wilson score, no continuity correction).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_matches_newcombes_table(successes, n, low, high):
    interval = stats.wilson(successes, n)
    assert interval.low == pytest.approx(low, abs=5e-5)
    assert interval.high == pytest.approx(high, abs=5e-5)
    assert interval.estimate == successes / n


def test_wilson_with_no_answers_is_undefined_not_a_crash():
    interval = stats.wilson(0, 0)
    assert interval.estimate is None and interval.low is None and interval.note


def test_pooled_rate_with_one_answer_each_is_the_plain_wilson_interval():
    top = np.array([1, 1, 0, 1, 0, 1, 1, 1, 0, 1])
    pooled = stats.wilson_clustered(top, np.ones(10))
    plain = stats.wilson(7, 10)
    assert (pooled.low, pooled.high) == pytest.approx((plain.low, plain.high))


def test_identical_answers_within_each_respondent_count_as_one_observation_each():
    # 20 respondents answer 5 items each, always alike: the 100 answers carry the information of 20.
    per_person = np.array([1] * 14 + [0] * 6)
    pooled = stats.wilson_clustered(per_person * 5, np.full(20, 5))
    plain = stats.wilson(14, 20)
    assert pooled.n == pytest.approx(20)
    assert (pooled.low, pooled.high) == pytest.approx((plain.low, plain.high))


def test_weighted_score_interval_for_one_item_is_the_textbook_t_interval():
    scores = np.array([100, 80, 80, 60, 100, 40, 80, 80, 100, 60], dtype=float)
    interval = stats.mean_interval(scores, np.ones(10))
    low, high = sps.t.interval(0.95, 9, loc=scores.mean(), scale=sps.sem(scores))
    assert interval.estimate == pytest.approx(78.0)
    assert (interval.low, interval.high) == pytest.approx((low, high))


def test_weighted_score_of_one_answer_has_no_interval():
    interval = stats.mean_interval(np.array([80.0]), np.array([1]))
    assert interval.estimate == 80 and interval.low is None and interval.note


# thinkdeeply.cc, "Survey reliability" (https://thinkdeeply.cc/posts/survey-reliability): a worked example
# of 10 respondents × 4 Likert items with its covariance matrix and α = 0.674, checked there with R psych::alpha.
WORKED_EXAMPLE = np.array(
    [
        [3, 3, 3, 3],
        [3, 3, 4, 3],
        [3, 3, 3, 1],
        [5, 4, 4, 5],
        [2, 1, 4, 4],
        [4, 4, 4, 5],
        [3, 2, 3, 3],
        [3, 4, 3, 3],
        [4, 2, 2, 3],
        [3, 3, 2, 3],
    ],
    dtype=float,
)


def test_cronbach_alpha_matches_the_published_worked_example():
    result = stats.reliability(WORKED_EXAMPLE, ["X1", "X2", "X3", "X4"])
    assert round(result.alpha, 3) == 0.674
    # the published item variances 0.6778, 0.989, 0.6222, 1.344 are the ones used
    assert WORKED_EXAMPLE.var(axis=0, ddof=1) == pytest.approx([0.6778, 0.9889, 0.6222, 1.3444], abs=1e-4)


def test_alpha_if_deleted_and_item_total_correlation_follow_their_definitions():
    result = stats.reliability(WORKED_EXAMPLE, ["X1", "X2", "X3", "X4"])
    # α without X1, by the variance form written out here independently
    rest = WORKED_EXAMPLE[:, 1:]
    by_hand = 3 / 2 * (1 - rest.var(axis=0, ddof=1).sum() / rest.sum(axis=1).var(ddof=1))
    assert result.alpha_if_deleted["X1"] == pytest.approx(by_hand)
    assert result.item_total["X1"] == pytest.approx(sps.pearsonr(WORKED_EXAMPLE[:, 0], rest.sum(axis=1))[0])


def test_alpha_of_identical_answers_is_undefined_and_says_why():
    result = stats.reliability(np.full((8, 3), 4.0), ["a", "b", "c"])
    assert result.alpha is None and "方差为 0" in result.note
    assert result.item_total == {"a": None, "b": None, "c": None}


def test_alpha_needs_two_respondents_and_two_items():
    assert stats.reliability(np.array([[4.0, 5.0]]), ["a", "b"]).alpha is None
    assert stats.reliability(np.array([[4.0], [5.0]]), ["a"]).note.startswith("量表少于")


@pytest.mark.parametrize("population, required", [(None, 385), (1000, 278), (10000, 370), (100, 80), (0, 0)])
def test_required_sample_with_finite_population_correction(population, required):
    # 385 = ⌈1.96²·0.25/0.05²⌉; N=1,000 → 278, N=10,000 → 370, N=100 → 80 (Krejcie & Morgan 1970 table)
    assert stats.required_sample(population) == required


def test_achieved_margin_shrinks_to_zero_at_a_census():
    assert stats.achieved_margin(385) == pytest.approx(0.04995, abs=1e-4)
    assert stats.achieved_margin(278, 1000) < 0.05
    assert stats.achieved_margin(1000, 1000) == 0
    assert stats.achieved_margin(0) is None


def test_chi_square_equals_scipy_on_the_same_table():
    table = np.array([[12, 30, 25, 8, 3], [20, 41, 15, 4, 1], [5, 18, 22, 10, 6]])
    ours = stats.chi_square(table)
    statistic, p_value, dof, _expected = sps.chi2_contingency(table, correction=False)
    assert ours.statistic == pytest.approx(statistic)
    assert ours.p_value == pytest.approx(p_value)
    assert ours.dof == dof
    assert ours.effect == pytest.approx(sps.contingency.association(table, method="cramer"))


def test_chi_square_drops_empty_levels_and_refuses_a_single_group():
    with_empty = stats.chi_square(np.array([[3, 0, 5], [6, 0, 1]]))
    assert with_empty.dof == 1
    single = stats.chi_square(np.array([[3, 4, 5], [0, 0, 0]]))
    assert single.p_value is None and single.note


def test_kruskal_wallis_from_counts_equals_scipy_on_the_expanded_answers():
    table = np.array([[2, 5, 9, 14, 6], [4, 9, 8, 6, 2], [0, 3, 4, 10, 12]])
    samples = [np.repeat(np.arange(1, 6), row) for row in table]
    ours = stats.kruskal_wallis_table(table)
    reference = sps.kruskal(*samples)
    n = table.sum()
    assert ours.statistic == pytest.approx(reference.statistic)
    assert ours.p_value == pytest.approx(reference.pvalue)
    assert ours.effect == pytest.approx(reference.statistic / ((n * n - 1) / (n + 1)))


def test_kruskal_wallis_on_identical_answers_is_undefined():
    assert stats.kruskal_wallis_table(np.array([[0, 0, 4], [0, 0, 7]])).statistic is None


def test_holm_adjustment_steps_down_and_stays_monotone():
    # Holm (1979): sorted p 0.01, 0.02, 0.03, 0.04 with m=4 → 0.04, 0.06, 0.06, 0.06
    assert stats.holm([0.03, 0.01, None, 0.04, 0.02]) == pytest.approx([0.06, 0.04, None, 0.06, 0.06])
    assert stats.holm([0.5, 0.9]) == [1.0, 1.0]  # 2·0.5 capped at 1; never below an earlier step
    assert stats.holm([0.01, 0.04]) == pytest.approx([0.02, 0.04])
