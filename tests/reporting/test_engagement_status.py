"""One state (issue 21): the engagement's status follows its report's workflow, 立项 → 实施 → 报告 → 复核 → 已出具."""

import pytest
from sqlalchemy import select

from evalplatform import workflow
from evalplatform.demo import load_demo
from evalplatform.engagements import service as engagements
from evalplatform.engagements.models import ENGAGEMENT_FOLLOWS_REPORT, Engagement, EngagementStatus, TeamRole
from evalplatform.evidence.store import BlobStore
from evalplatform.reporting import service as reporting
from evalplatform.reporting.models import Report, ReportStatus
from tests import factories

S = EngagementStatus


@pytest.fixture
def world(session):
    world = factories.World(session)
    engagements.add_team_member(
        session, world.engagement, world.reviewer, TeamRole.reviewer, world.evaluator, factories.NOW
    )
    return world


@pytest.mark.usefixtures("readiness_waived")
def test_each_step_of_the_report_moves_the_engagement(app, session, world):
    engagement, evaluator, reviewer, now = world.engagement, world.evaluator, world.reviewer, factories.NOW
    assert engagement.status is S.setup
    report = reporting.start_report(session, engagement, evaluator, now)
    assert engagement.status is S.reporting
    reporting.submit(session, report, evaluator, now)
    assert engagement.status is S.review
    reporting.return_for_changes(session, report, reviewer, now, "补充证据")
    assert engagement.status is S.reporting
    reporting.submit(session, report, evaluator, now)
    reporting.approve(session, report, reviewer, now)
    assert engagement.status is S.review
    reporting.issue(session, report, BlobStore(app.config["STORAGE_DIR"]), reviewer, now, firm_name="事务所")
    assert engagement.status is S.issued
    reporting.reopen(session, report, evaluator, now, "补充满意度调查")
    assert engagement.status is S.reporting


def test_an_archived_engagement_stays_archived(session, world):
    world.engagement.status = S.archived
    engagements.follow_workflow(session, world.engagement, S.reporting, world.evaluator, factories.NOW, "报告流程")
    assert world.engagement.status is S.archived


def test_no_demo_engagement_contradicts_its_report(app, session):
    load_demo(session, app.config["STORAGE_DIR"])
    expected = {ReportStatus.issued: S.issued, ReportStatus.draft: S.reporting}
    rows = session.execute(
        select(Engagement.title, Engagement.status, Report.status).outerjoin(
            Report, Report.engagement_id == Engagement.id
        )
    ).all()
    for title, engagement_status, report_status in rows:
        if report_status is None:
            assert engagement_status is not S.issued, title
        else:
            assert engagement_status is expected[report_status], title
    assert S.setup not in {status for _title, status, _report in rows}  # each has started its work


def test_the_first_inspection_or_survey_link_starts_the_field_work(session, world):
    engagements.start_fieldwork(session, world.engagement, world.evaluator, factories.NOW, "发放问卷")
    assert world.engagement.status is S.fieldwork
    world.engagement.status = S.reporting
    engagements.start_fieldwork(session, world.engagement, world.evaluator, factories.NOW, "开始现场勘查")
    assert world.engagement.status is S.reporting  # never backwards


@pytest.mark.usefixtures("readiness_waived")
def test_every_move_the_report_makes_on_its_engagement_is_declared_and_made(app, session, world):
    made = set()
    workflow._observers.append(
        lambda flow, current, wanted: flow is ENGAGEMENT_FOLLOWS_REPORT and made.add((current, wanted))
    )
    try:
        test_each_step_of_the_report_moves_the_engagement(app, session, world)  # setup → 报告 → … → 已出具 → 报告
        for before in (S.fieldwork, S.analysis):
            other = factories.engagement(session, world.evaluator, world.bureau)
            if before is S.fieldwork:
                engagements.start_fieldwork(session, other, world.evaluator, factories.NOW, "开始现场勘查")
            else:
                other.status = S.analysis  # arranged: change_status's own steps are another workflow's test
            reporting.start_report(session, other, world.evaluator, factories.NOW)
            assert other.status is S.reporting
    finally:
        workflow._observers.pop()
    assert made == ENGAGEMENT_FOLLOWS_REPORT.pairs()
