"""Findings linked to an indicator feed its `deduction` scoring (scoring.feeds.apply_findings)."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from evalplatform.accounts.models import User
from evalplatform.audit.models import AuditEvent
from evalplatform.crosscheck import findings
from evalplatform.demo import load_demo
from evalplatform.engagements.models import Engagement
from evalplatform.indicators import service as indicators
from evalplatform.scoring import feeds
from tests import factories
from tests.conftest import login, post_form


@pytest.fixture
def demo(session, app):
    load_demo(session, app.config["STORAGE_DIR"], portfolio=False)
    session.commit()
    road = session.scalar(select(Engagement).where(Engagement.title.like("%农村公路%")))
    evaluator = session.scalar(select(User).where(User.username == "evaluator"))
    return road, evaluator


def _indicator(session, engagement, name):
    return next(i for i in indicators.tree_for(session, engagement).indicators if i.name == name)


def test_demo_ledger_findings_are_listed_for_the_compliance_indicator(session, demo):
    road, _ = demo
    listed = feeds.finding_deductions(session, road)
    assert [(d.code, d.points) for d in listed["资金使用合规性"]] == [
        ("F-003", Decimal("1")),
        ("F-004", Decimal("0.5")),
    ]
    assert set(listed) == {"资金使用合规性"}  # the other findings have no suggested deduction


def test_applying_the_findings_scores_by_deduction_and_keeps_the_evaluators_own(session, demo):
    road, evaluator = demo
    compliance = _indicator(session, road, "资金使用合规性")  # 3 points; the demo's own deduction 0.5
    assert compliance.score == Decimal("2.5")
    extra = findings.create_finding(
        session,
        road,
        evaluator,
        factories.NOW,
        findings.FindingFields(
            "监理费无验收单",
            "1 笔监理费支付缺少验收单",
            "low",
            ["资金使用合规性", "资金使用合规性", "其他指标"],
            suggested_deduction=Decimal("0.25"),
        ),
    )
    findings.create_finding(
        session,
        road,
        evaluator,
        factories.NOW,
        findings.FindingFields("无建议扣分的问题", "说明", "low", ["资金使用合规性"]),
    )
    applied = feeds.apply_findings(session, road, compliance, evaluator, factories.NOW)
    session.commit()
    assert [d.code for d in applied] == ["F-003", "F-004", extra.code]
    # 3 − (0.5 own + 1 + 0.5 + 0.25) = 0.75
    assert compliance.score == Decimal("0.75")
    assert compliance.inputs["deductions"] == [
        {"points": "0.5"},
        {"points": "1", "finding": "F-003", "reason": "资金台账：凭证号重复（2 笔）"},
        {"points": "0.5", "finding": "F-004", "reason": "资金台账：付款早于合同签订日期（1 笔）"},
        {"points": "0.25", "finding": extra.code, "reason": "监理费无验收单"},
    ]
    assert compliance.rationale.startswith("1 笔 12.6 万元支出缺少验收单\n【问题清单扣分】F-003 ")
    assert "监理费无验收单，扣 0.25 分" in compliance.rationale
    # applying again after a change replaces the findings' part only
    findings.update_finding(
        session,
        road,
        extra,
        evaluator,
        factories.NOW,
        findings.FindingFields(
            extra.title, extra.description, "low", ["资金使用合规性"], suggested_deduction=Decimal("1")
        ),
    )
    feeds.apply_findings(session, road, compliance, evaluator, factories.NOW)
    assert compliance.score == Decimal("0") and len(compliance.inputs["deductions"]) == 4
    assert compliance.rationale.count("【问题清单扣分】") == 1
    events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "indicators.findings_fed")))
    assert len(events) == 2 and events[0].details["result"] == f"F-003 −1、F-004 −0.5、{extra.code} −0.25"
    assert (
        session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "indicators.scored", AuditEvent.object_id == str(compliance.id)
            )
        )
        is not None
    )


def test_refused_for_other_methods_and_without_findings(session, demo):
    road, evaluator = demo
    with pytest.raises(feeds.FeedError, match="不是按扣分法计分"):
        feeds.apply_findings(session, road, _indicator(session, road, "预算执行率"), evaluator, factories.NOW)
    dept = session.scalar(select(Engagement).where(Engagement.title.like("%民政局%")))
    assets = _indicator(session, dept, "资产管理规范性")
    with pytest.raises(feeds.FeedError, match="没有关联"):
        feeds.apply_findings(session, dept, assets, evaluator, factories.NOW)


def test_workspace_lists_the_findings_and_the_button_applies_them(client, session, demo):
    road, _ = demo
    compliance = _indicator(session, road, "资金使用合规性")
    login(client, "evaluator", "demo-pass-2026")
    page = f"/engagements/{road.id}/indicators/scoring"
    html = client.get(page).get_data(as_text=True)
    assert html.count('data-testid="findings-feed"') == 1 and 'data-testid="from-findings"' in html
    assert "F-003 资金台账：凭证号重复（2 笔）" in html
    response = post_form(client, f"/engagements/{road.id}/indicators/{compliance.id}/findings", {}, page=page)
    assert response.status_code == 303
    session.expire_all()
    assert _indicator(session, road, "资金使用合规性").score == Decimal("1")  # 3 − 0.5 − 1 − 0.5
    html = client.get(page).get_data(as_text=True)
    assert "已按问题清单扣分：F-003 −1、F-004 −0.5" in html
    assert 'data-deduction inputmode="decimal" value="2"' in html  # 扣分合计 shows the sum


def test_every_demo_finding_carries_a_recommendation(session, demo):
    road, _ = demo
    assert all(f.recommendation for f in findings.findings(session, road))


def test_the_finding_form_requires_a_recommendation(client, session):
    world = factories.World(session)
    login(client, world.evaluator.username)
    page = f"/engagements/{world.engagement.id}/findings"
    base = {"title": "台账未单独核算", "description": "项目资金与其他资金混合核算", "severity": "medium"}
    refused = post_form(client, page, base, page=page)
    assert refused.status_code != 303 and findings.findings(session, world.engagement) == []
    assert post_form(client, page, {**base, "recommendation": "按项目设置辅助核算"}, page=page).status_code == 303
