"""The scoring engine against hand-computed cases, including the edge cases of the acceptance list."""

from decimal import Decimal as D

import pytest

from evalplatform.indicators import engine
from evalplatform.indicators.engine import GradeScale, InvalidWeights, Node, Rule, ScoringError, score_indicator


def rule(method, points="10", target=None, operator="ge", **params):
    return Rule(method, D(points), operator, D(target) if target is not None else None, params)


@pytest.mark.parametrize(
    "target, actual, expected",
    [
        ("100", "80", "8.00"),  # 10 × 80/100
        ("50", "50", "10.00"),
        ("50", "65", "10.00"),  # over-achievement capped
        ("50", "0", "0.00"),  # actual 0
        ("0", "0", "10.00"),  # target 0 is met by anything non-negative
        ("0", "3", "10.00"),
        ("3", "1", "3.33"),  # 10 × 1/3 = 3.333… → 3.33
        ("3", "2", "6.67"),  # half up
    ],
)
def test_ratio_higher_better(target, actual, expected):
    assert score_indicator(rule("ratio_higher_better", target=target), actual) == D(expected)


def test_a_target_set_clearly_too_low_costs_the_stated_deduction():
    r = rule("ratio_higher_better", target="50", too_low_ratio="1.5", too_low_deduction="2")
    assert score_indicator(r, "74") == D("10.00")
    assert score_indicator(r, "75") == D("8.00")


@pytest.mark.parametrize(
    "target, actual, expected",
    [
        ("90", "90", "10.00"),
        ("90", "100", "9.00"),  # 10 × 90/100
        ("90", "0", "10.00"),  # ≤-indicator with actual 0: nothing spent meets the ceiling
        ("90", "45", "10.00"),
        ("0", "5", "0.00"),  # ceiling 0 exceeded
        ("0", "0", "10.00"),
    ],
)
def test_ratio_lower_better(target, actual, expected):
    assert score_indicator(rule("ratio_lower_better", target=target, operator="le"), actual) == D(expected)


def test_equal_gives_full_points_within_tolerance_and_the_ratio_outside():
    assert score_indicator(rule("equal", target="100", operator="eq"), "100") == D("10")
    assert score_indicator(rule("equal", target="100", operator="eq"), "95") == D("9.50")
    assert score_indicator(rule("equal", target="100", operator="eq"), "105") == D("9.52")  # 100/105
    assert score_indicator(rule("equal", target="100", operator="eq", tolerance="5"), "96") == D("10")
    assert score_indicator(rule("equal", target="0", operator="eq"), "2") == D("0.00")


@pytest.mark.parametrize(
    "formula, inputs, rate",
    [
        ("funds_in_place_rate", {"funds_in_place": "3600", "budget": "4000"}, "90"),
        ("budget_execution_rate", {"actual_spent": "3240", "funds_in_place": "3600"}, "90"),
        ("budget_execution_rate_annual", {"annual_executed": "850", "annual_budget": "1000"}, "85"),
        ("completion_rate", {"actual_output": "120", "planned_output": "126"}, "95.23809523809523809523809524"),
        ("quality_rate", {"qualified_output": "114", "actual_output": "120"}, "95"),
        ("cost_saving_rate", {"planned_cost": "1000", "actual_cost": "950"}, "5"),
    ],
)
def test_formulas_give_percentages(formula, inputs, rate):
    assert engine.formula_value(formula, inputs) == D(rate)


def test_a_formula_indicator_is_scored_by_its_ratio_rule():
    r = rule("formula", points="4", target="100", formula="budget_execution_rate")
    assert score_indicator(r, inputs={"actual_spent": "3240", "funds_in_place": "3600"}) == D("3.60")
    assert score_indicator(r, inputs={"actual_spent": "3240"}) is None  # an input still missing
    saving = rule("formula", points="10", target="0", formula="cost_saving_rate")
    assert score_indicator(saving, inputs={"planned_cost": "1000", "actual_cost": "1100"}) == D("0")
    with pytest.raises(ScoringError, match="分母为 0"):
        score_indicator(r, inputs={"actual_spent": "1", "funds_in_place": "0"})


def test_qualitative_points_must_lie_within_the_chosen_band():
    r = rule("qualitative_bands", points="10", operator="qualitative")
    assert score_indicator(r, "8.5", {"band": "achieved"}) == D("8.50")
    assert score_indicator(r, "7", {"band": "partly"}) == D("7.00")
    with pytest.raises(ScoringError, match="所选档次的得分应在 8.00 至 10.00 分之间"):
        score_indicator(r, "7", {"band": "achieved"})
    with pytest.raises(ScoringError, match="评价档次"):
        score_indicator(r, "7", {})


def test_elements_earn_their_share_and_deductions_floor_at_zero():
    r = rule("elements", points="3", elements=[{"name": "a", "weight": 1}, {"name": "b", "weight": 2}])
    assert score_indicator(r, inputs={"met": ["b"]}) == D("2.00")
    assert score_indicator(r, inputs={"met": []}) == D("0.00")
    with pytest.raises(ScoringError, match="不存在的评价要点"):
        score_indicator(r, inputs={"met": ["z"]})
    d = rule("deduction", points="3")
    assert score_indicator(d, inputs={"deductions": [{"points": "1", "reason": "x"}, "0.5"]}) == D("1.50")
    assert score_indicator(d, inputs={"deductions": ["2", "2"]}) == D("0.00")


def test_survey_and_manual():
    assert score_indicator(rule("survey", target="90"), "85.5") == D("9.50")
    assert score_indicator(rule("manual", points="5", operator="qualitative"), "4") == D("4.00")
    with pytest.raises(ScoringError, match="得分应在 0 至 5 分之间"):
        score_indicator(rule("manual", points="5", operator="qualitative"), "6")


def _tree(leaf_points_and_scores, na=()):
    """Level 1 'A' → level 2 'A1' → leaves with the given (points, score)."""
    total = sum(D(p) for p, _s in leaf_points_and_scores)
    nodes = [Node("A", None, 1, "A", total), Node("A1", "A", 2, "A1", total)]
    nodes += [
        Node(i, "A1", 3, f"L{i}", D(p), D(s) if s is not None else None, i in na)
        for i, (p, s) in enumerate(leaf_points_and_scores)
    ]
    return nodes


@pytest.mark.parametrize(
    "score, total, grade",
    [
        ("89.95", "90.0", "excellent"),
        ("89.94", "89.9", "good"),
        ("90.00", "90.0", "excellent"),
        ("79.95", "80.0", "good"),
        ("79.94", "79.9", "fair"),
        ("59.95", "60.0", "fair"),
        ("59.94", "59.9", "poor"),
    ],
)
def test_the_total_rounds_half_up_to_one_decimal_before_grading(score, total, grade):
    result = engine.score_tree(_tree([("50", "50"), ("50", D(score) - 50)]))
    assert (result.total, result.grade) == (D(total), grade)


def test_not_applicable_indicators_are_left_out_and_the_total_rescaled():
    result = engine.score_tree(_tree([("60", "45"), ("20", "20"), ("20", None)], na={2}))
    assert result.total == D("81.3")  # 65 / 80 × 100 = 81.25 → 81.3
    assert result.rescaled and result.applicable_points == D(80)
    assert result.scores[2] is None and result.scores["A"] == D(65)


def test_weights_not_summing_up_are_refused_naming_the_branch():
    nodes = _tree([("50", "40"), ("40", "40")])
    nodes[1] = Node("A1", "A", 2, "产出数量", D(100))
    nodes[0] = Node("A", None, 1, "产出", D(100))
    with pytest.raises(InvalidWeights) as caught:
        engine.score_tree(nodes)
    assert caught.value.problems == ["“产出数量”下的三级指标分值合计 90 分，应为 100 分"]
    with pytest.raises(InvalidWeights, match="一级指标分值合计 90 分，应为 100 分"):
        engine.score_tree(_tree([("50", "40"), ("40", "40")]))


def test_grade_bands_are_configurable():
    strict = GradeScale(D(95), D(85), D(70))
    assert strict.grade(D("94.9")) == "good" and strict.grade(D("69.9")) == "poor"
    assert engine.score_tree(_tree([("100", "92")]), strict).grade == "good"


def test_unscored_leaves_count_as_zero_and_are_listed():
    result = engine.score_tree(_tree([("50", "50"), ("50", None)]))
    assert result.total == D("50.0") and result.unscored == [1]


def test_produce_and_benefit_below_60_is_warned():
    nodes = [Node(1, None, 1, "产出", D(30)), Node(2, None, 1, "效益", D(20)), Node(3, None, 1, "决策", D(50))]
    assert "50 分" in engine.balance_warning(nodes)
    assert engine.balance_warning([Node(1, None, 1, "产出", D(40)), Node(2, None, 1, "效益", D(20))]) is None
