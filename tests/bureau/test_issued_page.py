"""The bureau reads the issued report in the portal, from the issued version, without downloading it (issue 21)."""

import re

import pytest

from evalplatform.crosscheck import findings
from evalplatform.engagements import service as engagements
from evalplatform.engagements.models import TeamRole
from evalplatform.evidence.store import BlobStore
from evalplatform.reporting import service as reporting
from tests import factories
from tests.conftest import login

MARKER = "草稿里的新建议XYZ"


@pytest.fixture
def issued(session, app):
    world = factories.World(session)
    engagements.add_team_member(
        session, world.engagement, world.reviewer, TeamRole.reviewer, world.evaluator, factories.NOW
    )
    findings.create_finding(
        session,
        world.engagement,
        world.evaluator,
        factories.NOW,
        findings.FindingFields(
            title="养护台账缺失", description="3 个乡镇未建立养护台账。", recommendation="年底前建立并报备养护台账。"
        ),
    )
    store, now = BlobStore(app.config["STORAGE_DIR"]), factories.NOW
    report = reporting.start_report(session, world.engagement, world.evaluator, now)
    reporting.save_section(session, report, "conclusion", "经综合评价，项目总体达到预期。", world.evaluator, now)
    reporting.generate_drafts(session, report, store, world.evaluator, now, firm_name=world.firm.name)
    world.firm.allows_readiness_override = True  # no indicator system here: the partner issues it with a reason
    reporting.submit(session, report, world.reviewer, now, override_reason="测试：无指标体系")
    reporting.approve(session, report, world.reviewer, now)
    reporting.issue(
        session, report, store, world.reviewer, now, firm_name=world.firm.name, override_reason="测试：无指标体系"
    )
    reporting.reopen(session, report, world.evaluator, now, "补充")
    reporting.save_section(session, report, "suggestions", MARKER, world.evaluator, now)
    session.commit()
    return world, report


def test_the_issued_report_page_shows_conclusion_problems_and_recommendations(client, issued):
    world, report = issued
    login(client, world.bureau_user.username)
    page = client.get(f"/bureau/reports/{report.id}").get_data(as_text=True)
    assert "经综合评价，项目总体达到预期。" in page
    assert "养护台账缺失" in page and "3 个乡镇未建立养护台账。" in page and "年底前建立并报备养护台账。" in page
    assert "针对“养护台账缺失”" in page  # 有关建议, as issued
    assert MARKER not in page  # the next version's draft is not the bureau's to read
    assert not re.search(r"\b[0-9a-f]{64}\b", page) and "SHA-256" not in page
    assert "lead" not in page and "reviewer" not in page


def test_the_verify_link_recomputes_the_issued_content_hash(client, issued):
    world, report = issued
    login(client, world.bureau_user.username)
    page = client.get(f"/bureau/reports/{report.id}/verify").get_data(as_text=True)
    assert report.versions[0].content_sha256 in page and "一致" in page and "不一致" not in page
