"""Scores as an evaluator writes them (target, actual, computed rate with its formula, 分, 未评分), and a switch
of scoring method that keeps what was entered."""

from decimal import Decimal

from evalplatform.indicators import display
from evalplatform.indicators import service as indicators
from evalplatform.scoring import service as scoring
from tests import factories

NOW = factories.NOW


def _tree(session, world):
    return indicators.create_tree_from_framework(session, world.engagement, "project_common_2020", world.evaluator, NOW)


def _leaf(tree, name):
    return next(i for i in tree.indicators if i.name == name)


def test_a_formula_row_shows_target_actual_the_rate_with_its_formula_and_the_score_in_fen(session, world):
    leaf = _leaf(_tree(session, world), "预算执行率")
    line = display.score_line(leaf)
    assert line.score == "未评分" and line.actual == "" and line.target.startswith("≥")
    scoring.record_score(
        session,
        leaf,
        world.evaluator,
        NOW,
        inputs={"actual_spent": "3474", "funds_in_place": "3860"},
        rationale="年末尚有工程尾款未支付",
    )
    line = display.score_line(leaf)
    assert line.actual == "90.0%"
    assert line.computed == "预算执行率 = 实际支出资金 / 实际到位资金 = 3,474 / 3,860 = 90.0%"
    assert line.score == f"{leaf.score.normalize():f}分" and round(line.rate, 1) == Decimal("90.0")


def test_a_ratio_row_shows_the_completion_rate_and_a_direct_score_never_takes_the_target_unit(session, world):
    tree = _tree(session, world)
    ratio = _leaf(tree, "服务对象满意度")
    indicators.update_indicator(
        session, ratio, world.evaluator, NOW, {"method": "ratio_higher_better", "target_value": "90", "unit": "%"}
    )
    scoring.record_score(session, ratio, world.evaluator, NOW, actual_value="85.5", rationale="低于目标")
    line = display.score_line(ratio)
    assert line.target == "≥90%" and line.actual == "85.5%"
    assert line.computed == "完成率 = 实际值 / 目标值 = 85.5 / 90 = 95.0%"
    direct = _leaf(tree, "社会效益")
    indicators.update_indicator(session, direct, world.evaluator, NOW, {"unit": "%"})
    scoring.record_score(
        session, direct, world.evaluator, NOW, actual_value="9", inputs={"band": "achieved"}, rationale="仍有断头路"
    )
    line = display.score_line(direct)
    assert line.actual == "直接评分" and "%" not in line.score and line.score == "9分"


def test_switching_the_method_keeps_the_values_entered(session, world):
    leaf = _leaf(_tree(session, world), "预算执行率")
    formula_inputs = {"actual_spent": "3474", "funds_in_place": "3860"}
    scoring.record_score(session, leaf, world.evaluator, NOW, inputs=formula_inputs, rationale="尾款未付")
    formula_score = leaf.score
    indicators.update_indicator(session, leaf, world.evaluator, NOW, {"method": "deduction"})
    scoring.record_score(
        session, leaf, world.evaluator, NOW, inputs={"deductions": [{"points": "1"}]}, rationale="扣 1 分"
    )
    assert leaf.score == leaf.points - 1
    indicators.update_indicator(session, leaf, world.evaluator, NOW, {"method": "formula"})
    assert {k: leaf.inputs[k] for k in formula_inputs} == formula_inputs  # still there, and used again
    assert leaf.score == formula_score
    indicators.update_indicator(session, leaf, world.evaluator, NOW, {"method": "deduction"})
    assert leaf.score == leaf.points - 1  # and the deduction too
    scoring.record_score(session, leaf, world.evaluator, NOW, inputs={"deductions": None})
    assert leaf.score is None  # a value sent as empty is cleared
