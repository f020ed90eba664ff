"""The readiness checklist and its gate: each missing item blocks 提交复核 and 签发; a partner's override is recorded."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from evalplatform.accounts.models import User
from evalplatform.audit.models import AuditEvent
from evalplatform.crosscheck import findings
from evalplatform.demo import DEMO_PASSWORD, load_demo
from evalplatform.engagements.models import Engagement
from evalplatform.evidence.models import EvidenceLink
from evalplatform.evidence.store import BlobStore
from evalplatform.indicators.service import tree_for
from evalplatform.questionnaires.models import Response
from evalplatform.reporting import readiness
from evalplatform.reporting import service as reporting
from evalplatform.reporting.models import Report, ReportStatus
from tests import factories
from tests.conftest import login

NOW = factories.NOW


@pytest.fixture
def road(app, session):
    """The demo's rural-road engagement: scored, cited, narrative drafted — a report that is ready."""
    load_demo(session, app.config["STORAGE_DIR"], portfolio=False)
    session.commit()
    engagement = session.scalar(select(Engagement).where(Engagement.title.like("%农村公路%")))
    users = {n: session.scalar(select(User).where(User.username == n)) for n in ("evaluator", "reviewer")}
    report = session.scalar(select(Report).where(Report.engagement_id == engagement.id))
    return engagement, report, users["evaluator"], users["reviewer"]


def _leaf(session, engagement, name):
    return next(i for i in tree_for(session, engagement).indicators if i.name == name)


def _blanks(session, engagement, report):
    """Each way a report can be incomplete, and the problem key the checklist must then report."""
    deducted = _leaf(session, engagement, "预算执行率")
    cited = _leaf(session, engagement, "资金使用合规性")
    finding = findings.findings(session, engagement)[0]
    return [
        ("empty_sections", lambda: setattr(next(s for s in report.sections if s.key == "other"), "body", " ")),
        ("unscored", lambda: setattr(_leaf(session, engagement, "社会效益"), "score", None)),
        ("deduction_rationale", lambda: setattr(deducted, "rationale", "")),
        (
            "deduction_evidence",
            lambda: session.execute(
                delete(EvidenceLink).where(EvidenceLink.target_type == "indicator", EvidenceLink.target_id == cited.id)
            ),
        ),
        ("recommendation", lambda: setattr(finding, "recommendation", "")),
        (
            "sample",
            lambda: [setattr(r, "invalid_reason", "测试：作废") for r in session.scalars(select(Response)).all()[100:]],
        ),
    ]


def test_each_missing_item_blocks_submission_and_is_listed_on_the_page(session, client, road):
    engagement, report, evaluator, _reviewer = road
    assert readiness.problems(session, report) == []
    for key, blank in _blanks(session, engagement, report):
        savepoint = session.begin_nested()
        blank()
        session.flush()
        found = readiness.problems(session, report)
        assert [p.key for p in found] == [key], key
        with pytest.raises(reporting.NotReady, match="报告尚不完整"):
            reporting.submit(session, report, evaluator, NOW)
        assert report.status is ReportStatus.draft
        savepoint.rollback()
    session.expire_all()
    assert readiness.problems(session, report) == []

    next(s for s in report.sections if s.key == "other").body = ""
    session.commit()
    login(client, evaluator.username, DEMO_PASSWORD)
    page = client.get(f"/engagements/{engagement.id}/report").get_data(as_text=True)
    assert 'data-testid="readiness"' in page and "报告章节“七、其他需要说明的问题”尚未填写" in page
    english = client.get(f"/engagements/{engagement.id}/report?lang=en").get_data(as_text=True)
    assert "Report section “7. Other matters” has not been written" in english


def test_issuing_is_gated_too_and_only_a_partner_may_override_with_a_recorded_reason(session, app, road):
    engagement, report, evaluator, reviewer = road
    store = BlobStore(app.config["STORAGE_DIR"])
    reporting.submit(session, report, evaluator, NOW)
    reporting.approve(session, report, reviewer, NOW)
    _leaf(session, engagement, "社会效益").score = None  # a score withdrawn after approval (no audit: a test shortcut)
    session.flush()
    with pytest.raises(reporting.NotReady, match="指标“社会效益”尚未评分"):
        reporting.issue(session, report, store, reviewer, NOW, firm_name=engagement.firm.name)
    assert report.status is ReportStatus.approved

    engagement.firm.allows_readiness_override = False
    with pytest.raises(reporting.NotReady):  # a reason is not enough where the firm does not allow it
        reporting.issue(session, report, store, reviewer, NOW, firm_name=engagement.firm.name, override_reason="急需")
    engagement.firm.allows_readiness_override = True
    with pytest.raises(reporting.NotReady):  # nor for anyone but the partner
        reporting.ensure_ready(session, report, evaluator, NOW, "急需")

    version = reporting.issue(
        session,
        report,
        store,
        reviewer,
        NOW,
        firm_name=engagement.firm.name,
        override_reason="单位资料逾期未提供，经合伙人批准出具",
    )
    assert version.version == 1 and report.status is ReportStatus.issued
    override = next(e for e in report.events if e.action == "override")
    assert override.actor_id == reviewer.id and override.comment == "单位资料逾期未提供，经合伙人批准出具"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "report.override"))
    assert event.details["missing"] == ["指标“社会效益”尚未评分"]


def test_checks_registered_in_other_modules_run_too(session, road, monkeypatch):
    _engagement, report, *_ = road
    monkeypatch.setitem(readiness.CHECKS, "extra", lambda s, r: [readiness.Problem("extra", "另一模块的检查")])
    assert [str(p) for p in readiness.problems(session, report)] == ["另一模块的检查"]


def test_the_firm_decides_whether_its_partner_may_override(app, session):
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from evalplatform.cli import readiness_override_command

    firm = factories.firm(session)
    session.commit()
    result = CliRunner().invoke(
        readiness_override_command, ["--firm", firm.name, "--allow"], obj=ScriptInfo(create_app=lambda: app)
    )
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert firm.allows_readiness_override is True
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "firm.readiness_override"))
    assert event.details == {"before": False, "after": True}
