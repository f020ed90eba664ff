"""Declared output quantity vs inspected quantity, declared satisfaction vs the survey (crosscheck.quantities)."""

from decimal import Decimal
from io import BytesIO

import pytest
from sqlalchemy import select

from evalplatform.accounts.models import User
from evalplatform.analysis import satisfaction_for_scoring
from evalplatform.analysis.sources import questionnaire_surveys
from evalplatform.audit.models import AuditEvent
from evalplatform.crosscheck import quantities, service
from evalplatform.crosscheck.models import CrossCheck
from evalplatform.demo import load_demo
from evalplatform.engagements.models import Engagement
from evalplatform.evidence.store import BlobStore
from evalplatform.materials import service as materials
from tests import factories
from tests.conftest import login, post_form
from tests.materials import workbooks
from tests.materials.setting import Team


@pytest.mark.parametrize(
    "text, unit",
    [
        ("126.4公里", "公里"),
        ("≥126公里", "公里"),
        ("改造里程（公里）", "公里"),
        ("面积(单位：㎡)", "m2"),
        ("96%", "%"),
        ("240 户", "户"),
        ("序号", None),
        ("1,250.5 m", "m"),
    ],
)
def test_unit_in_figures_and_headers(text, unit):
    assert quantities.unit_in(text) == unit


def test_convert_within_one_kind_only():
    assert quantities.convert(Decimal("3.18"), "km", "米") == Decimal("3180")
    assert quantities.convert(Decimal("3180"), "m", "公里") == Decimal("3.18")
    assert quantities.convert(Decimal("15"), "亩", "平方米") == Decimal("10000")
    assert quantities.convert(Decimal("2"), "座", "座") == 2
    assert quantities.convert(Decimal("2"), "座", "km") is None
    assert quantities.convert(Decimal("2"), "m", "m2") is None


@pytest.fixture
def demo(session, app):
    load_demo(session, app.config["STORAGE_DIR"], portfolio=False)
    session.commit()
    road = session.scalar(select(Engagement).where(Engagement.title.like("%农村公路%")))
    evaluator = session.scalar(select(User).where(User.username == "evaluator"))
    return road, evaluator


def _checks(session, rule):
    return {c.subject: c for c in session.scalars(select(CrossCheck).where(CrossCheck.rule == rule))}


def test_demo_inspected_road_length_is_checked_against_the_declared_section(session, demo):
    checks = _checks(session, "output_quantity")
    # 改造路段清单: 青石镇—柳湾村段 3.2 公里; the inspection measured 3.18 km; 2 % of 3.2 = 0.064 ≥ 0.02
    assert set(checks) == {"青石镇—柳湾村段：实测长度"}  # width (m) and bridge count (座) have no declared figure
    check = checks["青石镇—柳湾村段：实测长度"]
    assert (check.declared_value, check.verified_value, check.difference) == (
        Decimal("3.2"),
        Decimal("3.18"),
        Decimal("-0.02"),
    )
    assert check.unit == "公里" and check.outcome == "consistent" and check.indicator_ref is None
    assert check.declared_source == "申报清单“改造路段清单” 改造里程(公里)"
    assert check.verified_source.startswith("现场勘查实测（青石镇—柳湾村段，3.18 km）")


def test_demo_declared_satisfaction_against_the_survey_interval(session, demo):
    road, _ = demo
    survey = next(s for s in questionnaire_surveys(session, road))
    score = satisfaction_for_scoring(survey.frame, survey.questions)
    check = _checks(session, "satisfaction")["群众满意度"]
    # 自评表 群众满意度 实际完成值 96% vs the questionnaire's top-two-box rate and its Wilson interval
    rate, low, high = (Decimal(str(v)) for v in (score.rate, score.ci_low, score.ci_high))
    assert check.declared_value == Decimal("0.9600") and check.verified_value == rate.quantize(Decimal("0.0001"))
    inside = low <= Decimal("0.96") <= high
    assert check.outcome == ("consistent" if inside else "discrepancy")
    assert check.difference == (rate - Decimal("0.96")).quantize(Decimal("0.0001"))
    assert check.indicator_ref == "群众满意度" and check.unit == "%"
    assert f"有效问卷 {score.n_valid} 份" in check.verified_source


def test_the_evaluator_chooses_the_indicator_total_then_none(session, demo):
    road, evaluator = demo
    target = quantities.save_quantity_target(
        session, road, evaluator, factories.NOW, "road_length_km", "indicator:改造公路里程"
    )
    service.run_rules(session, road, evaluator, factories.NOW)
    session.commit()
    assert target.kind == "indicator"
    checks = _checks(session, "output_quantity")
    assert set(checks) == {"改造公路里程（现场实测）"}  # the per-section result is gone (no finding cites it)
    check = checks["改造公路里程（现场实测）"]
    assert (check.declared_value, check.verified_value) == (Decimal("126.4"), Decimal("3.18"))
    assert check.outcome == "discrepancy" and check.indicator_ref == "改造公路里程"
    assert "实测点位 1 个" in check.note
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "crosscheck.quantity_target"))
    assert event.details["after"] == "indicator:改造公路里程" and event.details["before"] == "auto"

    quantities.save_quantity_target(session, road, evaluator, factories.NOW, "road_length_km", "none")
    service.run_rules(session, road, evaluator, factories.NOW)
    assert _checks(session, "output_quantity") == {}
    quantities.save_quantity_target(session, road, evaluator, factories.NOW, "road_length_km", "auto")
    service.run_rules(session, road, evaluator, factories.NOW)
    assert set(_checks(session, "output_quantity")) == {"青石镇—柳湾村段：实测长度"}


def test_converted_list_column_and_refused_targets(session, demo):
    road, evaluator = demo
    quantities.save_quantity_target(
        session, road, evaluator, factories.NOW, "road_width_m", "list:改造路段清单:改造里程(公里)"
    )
    service.run_rules(session, road, evaluator, factories.NOW)
    width = _checks(session, "output_quantity")["青石镇—柳湾村段：实测平均宽度"]
    assert width.verified_value == Decimal("0.0043") and width.unit == "公里"  # 4.3 m in the column's unit
    with pytest.raises(quantities.QuantityError, match="没有这个实测项"):
        quantities.save_quantity_target(session, road, evaluator, factories.NOW, "no_such_key", "none")
    with pytest.raises(quantities.QuantityError, match="不存在"):
        quantities.save_quantity_target(
            session, road, evaluator, factories.NOW, "road_length_km", "indicator:不存在的指标"
        )
    with pytest.raises(quantities.QuantityError, match="格式不正确"):
        quantities.save_quantity_target(session, road, evaluator, factories.NOW, "road_length_km", "list:x")


def test_page_shows_measures_and_saves_a_choice(client, session, demo):
    road, _ = demo
    login(client, "evaluator", "demo-pass-2026")
    page = f"/engagements/{road.id}/crosscheck"
    html = client.get(page).get_data(as_text=True)
    assert 'data-testid="measure-targets"' in html and "road_length_km" in html
    assert "青石镇—柳湾村段：实测长度" in html
    response = post_form(
        client, f"{page}/quantity-target", {"key": "road_length_km", "target": "indicator:改造公路里程"}, page=page
    )
    assert response.status_code == 303
    assert "改造公路里程（现场实测）" in client.get(page).get_data(as_text=True)
    response = post_form(
        client,
        f"{page}/quantity-target",
        {"key": "road_length_km", "target": "indicator:无"},
        page=page,
        follow_redirects=True,
    )
    assert "所选对照对象不存在" in response.get_data(as_text=True)


def test_satisfaction_without_a_survey_is_unverifiable(session, app):
    world = Team(session)
    materials.import_material(
        session,
        BlobStore(app.config["STORAGE_DIR"]),
        world.engagement,
        world.evaluator,
        factories.NOW,
        kind="self_assessment",
        filename="自评表.xlsx",
        max_bytes=10**7,
        stream=BytesIO(workbooks.xlsx(workbooks.self_assessment_workbook())),
    )
    service.run_rules(session, world.engagement, world.evaluator, factories.NOW)
    checks = _checks(session, "satisfaction")
    assert checks and all(c.outcome == "unverifiable" and c.verified_value is None for c in checks.values())
    assert _checks(session, "output_quantity") == {}
