"""Copying a framework into an engagement, editing the tree, weight checks and scoring with audit."""

from decimal import Decimal as D

import pytest
from sqlalchemy import select

from evalplatform.audit.models import AuditEvent
from evalplatform.indicators import rollup, service
from evalplatform.indicators.models import Indicator
from evalplatform.scoring import service as scoring
from tests import factories

NOW = factories.NOW


@pytest.fixture
def tree(session, world):
    tree = service.create_tree_from_framework(session, world.engagement, "project_common_2020", world.evaluator, NOW)
    session.commit()
    return tree


def by_name(tree, name):
    return next(i for i in tree.indicators if i.name == name)


def test_copying_the_common_framework_gives_an_editable_three_level_tree(session, world, tree):
    assert len(tree.indicators) == 32
    leaf = by_name(tree, "预算执行率")
    assert leaf.level == 3 and leaf.target_value == 100 and leaf.method == "formula"
    assert by_name(tree, "立项依据充分性").params["elements"][0]["weight"] == 1
    assert service.check_tree(tree).ok
    with pytest.raises(service.TreeExists):
        service.create_tree_from_framework(session, world.engagement, "self_evaluation", world.evaluator, NOW)


def test_a_custom_indicator_must_fit_the_weights_of_its_branch(session, world, tree):
    quantity = by_name(tree, "产出数量")
    custom = service.add_indicator(session, tree, quantity, world.evaluator, NOW, name="改造里程", points=5)
    assert custom.is_custom and custom.level == 3
    check = service.check_tree(tree)
    assert check.problems == ["“产出数量”下的三级指标分值合计 15 分，应为 10 分"]
    service.update_indicator(session, by_name(tree, "实际完成率"), world.evaluator, NOW, {"points": "5"})
    assert service.check_tree(tree).ok


def test_removing_a_branch_removes_its_children(session, world, tree):
    service.remove_indicator(session, by_name(tree, "产出质量"), world.evaluator, NOW)
    session.commit()
    assert session.scalar(select(Indicator).where(Indicator.name == "质量达标率")) is None
    assert "一级指标分值合计 100 分" not in " ".join(service.check_tree(tree).problems)
    assert "“产出”下的二级指标分值合计 30 分，应为 40 分" in service.check_tree(tree).problems


def test_output_and_benefit_below_60_warns_until_a_reason_is_written(session, world, tree):
    service.update_indicator(session, by_name(tree, "产出"), world.evaluator, NOW, {"points": "20"})
    service.update_indicator(session, by_name(tree, "决策"), world.evaluator, NOW, {"points": "35"})
    check = service.check_tree(tree)
    assert check.balance_warning == "产出和效益指标分值合计 50 分，重点评价应不低于 60 分"
    assert not check.ok
    with pytest.raises(service.IndicatorError):
        service.set_balance_override(session, tree, "  ", world.evaluator, NOW)
    service.set_balance_override(session, tree, "本项目以建设为主，决策环节问题突出", world.evaluator, NOW)
    assert service.check_tree(tree).balance_overridden


def test_editing_refuses_unknown_fields_and_bad_values(session, world, tree):
    leaf = by_name(tree, "资金到位率")
    with pytest.raises(service.IndicatorError, match="不能修改的字段：score"):
        service.update_indicator(session, leaf, world.evaluator, NOW, {"score": "3"})
    with pytest.raises(service.IndicatorError, match="分值应在 0 至 100 之间"):
        service.update_indicator(session, leaf, world.evaluator, NOW, {"points": "-1"})
    with pytest.raises(service.IndicatorError, match="不是有效的数值"):
        service.update_indicator(session, leaf, world.evaluator, NOW, {"target_value": "约50"})


def test_a_score_change_is_audited_with_before_and_after(session, world, tree):
    leaf = by_name(tree, "实际完成率")
    scoring.record_score(
        session,
        leaf,
        world.evaluator,
        NOW,
        inputs={"actual_output": "120", "planned_output": "126"},
        rationale="4 公里未完工",
    )
    session.commit()
    assert leaf.score == D("9.52")
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "indicators.scored")).one()
    assert event.details["before"]["score"] is None and event.details["after"]["score"] == "9.52"
    assert event.engagement_id == world.engagement.id


def test_evaluator_points_below_full_need_a_rationale(session, world, tree):
    leaf = by_name(tree, "完成及时性")
    with pytest.raises(scoring.RationaleRequired, match="请填写扣分原因"):
        scoring.record_score(session, leaf, world.evaluator, NOW, actual_value="7", inputs={"band": "partly"})
    assert leaf.score is None
    with pytest.raises(service.IndicatorError, match="所选档次的得分应在"):
        scoring.record_score(
            session, leaf, world.evaluator, NOW, actual_value="7", inputs={"band": "achieved"}, rationale="x"
        )
    scoring.record_score(
        session,
        leaf,
        world.evaluator,
        NOW,
        actual_value="7",
        inputs={"band": "partly"},
        rationale="2 个标段延期 3 个月",
    )
    assert leaf.score == D("7.00")


def test_a_verified_value_from_another_module_becomes_the_scored_value(session, world, tree):
    satisfaction = by_name(tree, "服务对象满意度")
    scoring.set_verified_value(session, satisfaction, D("85.5"), "满意度调查（有效问卷 312 份）", world.evaluator, NOW)
    assert satisfaction.verified_value == D("85.5") and satisfaction.actual_value == D("85.5")
    assert satisfaction.score == D("9.50")
    summary = rollup.scoring_summary(session, world.engagement)
    row = next(r for r in summary.rows if r.indicator.id == satisfaction.id)
    assert row.missing_rationale and row.rate == D("95.0")


def test_the_summary_rescales_around_not_applicable_indicators_and_uses_the_bureau_scale(session, world, tree):
    for leaf in (i for i in tree.indicators if i.level == 3):
        full = leaf.points if leaf.method in ("manual", "qualitative_bands") else leaf.target_value
        scoring.record_score(
            session,
            leaf,
            world.evaluator,
            NOW,
            actual_value=full,
            inputs={"band": "achieved"} if leaf.method == "qualitative_bands" else _full_inputs(leaf),
        )
    summary = rollup.scoring_summary(session, world.engagement)
    assert (summary.total, summary.grade_label, summary.unscored) == (D("100.0"), "优", 0)
    cost = by_name(tree, "成本节约率")
    scoring.record_score(session, cost, world.evaluator, NOW, not_applicable=True)
    scoring.record_score(
        session,
        by_name(tree, "质量达标率"),
        world.evaluator,
        NOW,
        inputs={"qualified_output": "80", "actual_output": "100"},
        rationale="20 处不达标",
    )
    summary = rollup.scoring_summary(session, world.engagement)
    assert summary.total == D("97.8") and summary.rescaled  # (90 − 2) / 90 × 100 = 97.78
    rollup.set_grade_scale(session, world.bureau.id, 98, 85, 60)
    assert rollup.scoring_summary(session, world.engagement).grade_label == "良"
    assert [r.indicator.name for r in summary.dimensions] == ["决策", "过程", "产出", "效益"]


def _full_inputs(leaf):
    if leaf.method == "formula":
        keys = __import__("evalplatform.indicators.engine", fromlist=["x"]).FORMULAS[leaf.params["formula"]][1]
        return {k: "100" for k in keys}
    if leaf.method == "elements":
        return {"met": [e["name"] for e in leaf.params["elements"]]}
    if leaf.method == "deduction":
        return {"deductions": []}
    return {}
