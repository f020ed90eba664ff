"""Four eyes on every edit: whoever changed any part of the version under review may not approve or issue it,
and an edit while it is under review sends it back to the author's side, listed on the review page."""

import io

import pytest
from sqlalchemy import func, select

from evalplatform.audit.models import AuditEvent
from evalplatform.crosscheck.findings import FindingFields, create_finding, update_finding
from evalplatform.engagements import service as engagements
from evalplatform.engagements.models import TeamRole
from evalplatform.engagements.service import PermissionDenied
from evalplatform.evidence.service import store_upload
from evalplatform.evidence.store import BlobStore
from evalplatform.indicators import service as indicators
from evalplatform.reporting import service as reporting
from evalplatform.reporting.models import ReportStatus
from evalplatform.scoring import service as scoring
from tests import factories
from tests.conftest import csrf_token, login
from tests.evidence import files

pytestmark = pytest.mark.usefixtures("readiness_waived")  # these test the workflow, not completeness

NOW = factories.NOW


@pytest.fixture
def desk(app, session):
    """An engagement with a scored indicator tree, two reviewers on the team and a report being written."""
    world = factories.World(session)
    world.second_reviewer = factories.user(session, "reviewer", firm=world.firm)
    for reviewer in (world.reviewer, world.second_reviewer):
        engagements.add_team_member(session, world.engagement, reviewer, TeamRole.reviewer, world.evaluator, NOW)
    tree = indicators.create_tree_from_framework(session, world.engagement, "project_common_2020", world.evaluator, NOW)
    world.leaf = next(i for i in tree.indicators if i.name == "社会效益")
    scoring.record_score(
        session,
        world.leaf,
        world.evaluator,
        NOW,
        actual_value="9",
        inputs={"band": "achieved"},
        rationale="通行条件明显改善",
    )
    world.report = reporting.start_report(session, world.engagement, world.evaluator, NOW)
    reporting.save_section(session, world.report, "suggestions", "加强后续管护。", world.evaluator, NOW)
    world.store = BlobStore(app.config["STORAGE_DIR"])
    session.commit()
    return world


def test_a_reviewer_who_edits_a_score_during_review_returns_it_and_cannot_approve_it(client, session, desk):
    reporting.submit(session, desk.report, desk.evaluator, NOW)
    scoring.record_score(session, desk.leaf, desk.reviewer, NOW, actual_value="8", rationale="仍有 3 个村组存在断头路")
    session.commit()
    assert desk.report.status is ReportStatus.returned  # back on the author's side
    assert desk.report.events[-1].action == "return" and "指标与评分" in desk.report.events[-1].comment

    login(client, desk.evaluator.username)
    page = client.get(f"/engagements/{desk.engagement.id}/report").get_data(as_text=True)
    assert "提交复核后的修改" in page and "指标与评分" in page and desk.reviewer.display_name in page

    reporting.submit(session, desk.report, desk.evaluator, NOW)
    with pytest.raises(PermissionDenied, match="您修改过本版报告的内容（指标与评分 1 处）"):
        reporting.approve(session, desk.report, desk.reviewer, NOW)
    reporting.approve(session, desk.report, desk.second_reviewer, NOW)  # an independent reviewer may
    version = reporting.issue(session, desk.report, desk.store, desk.second_reviewer, NOW, firm_name=desk.firm.name)
    assert version.content["scoring"]["total"] is not None


def test_an_edit_before_submission_also_disqualifies_the_approver(session, desk):
    create_finding(
        session, desk.engagement, desk.reviewer, NOW, FindingFields(title="台账缺失", description="养护台账未建立")
    )
    reporting.submit(session, desk.report, desk.evaluator, NOW)
    with pytest.raises(PermissionDenied, match="问题清单 1 处"):
        reporting.approve(session, desk.report, desk.reviewer, NOW)
    assert desk.report.status is ReportStatus.submitted


@pytest.mark.parametrize("edit", ["finding", "evidence", "annex", "narrative_blocked"])
def test_every_kind_of_edit_after_approval_sends_the_version_back(session, desk, edit):
    finding = create_finding(
        session, desk.engagement, desk.evaluator, NOW, FindingFields(title="资金拨付滞后", description="二季度拨付滞后")
    )
    photo = store_upload(
        session,
        desk.store,
        desk.engagement,
        desk.evaluator,
        NOW,
        stream=io.BytesIO(files.jpeg()),
        filename="现场.jpg",
        max_bytes=10**6,
    ).evidence
    reporting.submit(session, desk.report, desk.evaluator, NOW)
    reporting.approve(session, desk.report, desk.reviewer, NOW)
    if edit == "finding":
        update_finding(
            session,
            desk.engagement,
            finding,
            desk.evaluator,
            NOW,
            FindingFields(title="资金拨付滞后", description="改了描述"),
        )
    elif edit == "evidence":
        store_upload(
            session,
            desk.store,
            desk.engagement,
            desk.evaluator,
            NOW,
            stream=io.BytesIO(files.png()),
            filename="补充.png",
            max_bytes=10**6,
        )
    elif edit == "annex":
        with pytest.raises(reporting.ReportError):  # annexes are part of the version: not while under review
            reporting.attach_annex(session, desk.report, photo, desk.evaluator, NOW)
        return
    else:
        with pytest.raises(reporting.ReportError):
            reporting.save_section(session, desk.report, "suggestions", "改写", desk.reviewer, NOW)
        return
    assert desk.report.status is ReportStatus.returned
    with pytest.raises(reporting.ReportError, match="复核通过后才能出具"):
        reporting.issue(session, desk.report, desk.store, desk.reviewer, NOW, firm_name=desk.firm.name)


def test_the_approver_who_wrote_narrative_or_annexes_cannot_issue(session, desk):
    reporting.save_section(session, desk.report, "problems", "部分路段排水不畅。", desk.reviewer, NOW)
    reporting.submit(session, desk.report, desk.evaluator, NOW)
    with pytest.raises(PermissionDenied, match="报告正文与附件 1 处"):
        reporting.approve(session, desk.report, desk.reviewer, NOW)


def test_autosaves_of_one_section_are_one_audit_event(session, desk):
    def count():
        return session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "report.section"))

    before = count()
    for n in range(5):
        reporting.save_section(session, desk.report, "experience", "经验" * (n + 1), desk.evaluator, NOW)
    reporting.save_section(session, desk.report, "problems", "问题", desk.evaluator, NOW)
    reporting.save_section(session, desk.report, "experience", "经验再改", desk.evaluator, NOW)
    assert count() == before + 3


def test_the_next_version_counts_only_its_own_edits(session, desk):
    reporting.submit(session, desk.report, desk.evaluator, NOW)
    reporting.approve(session, desk.report, desk.reviewer, NOW)
    reporting.issue(session, desk.report, desk.store, desk.reviewer, NOW, firm_name=desk.firm.name)
    reporting.reopen(session, desk.report, desk.second_reviewer, NOW, "财政局反馈")
    scoring.record_score(session, desk.leaf, desk.second_reviewer, NOW, rationale="补充说明")
    reporting.submit(session, desk.report, desk.evaluator, NOW)
    reporting.approve(session, desk.report, desk.reviewer, NOW)  # the first reviewer changed nothing since v1
    with pytest.raises(PermissionDenied):
        reporting.issue(session, desk.report, desk.store, desk.second_reviewer, NOW, firm_name=desk.firm.name)
    assert reporting.issue(session, desk.report, desk.store, desk.reviewer, NOW, firm_name=desk.firm.name).version == 2


def test_the_review_page_names_who_changed_this_version(client, session, desk):
    login(client, desk.reviewer.username)
    base = f"/engagements/{desk.engagement.id}/report"
    html = client.get(base).get_data(as_text=True)
    assert "本版内容的修改人" in html and desk.evaluator.display_name in html
    reporting.submit(session, desk.report, desk.evaluator, NOW)
    scoring.record_score(session, desk.leaf, desk.reviewer, NOW, rationale="复核时改的")
    session.commit()
    reporting.submit(session, desk.report, desk.evaluator, NOW)
    session.commit()
    response = client.post(f"{base}/approve", data={"csrf_token": csrf_token(client, base)})
    assert response.status_code == 403 and "您修改过本版报告的内容" in response.get_data(as_text=True)
