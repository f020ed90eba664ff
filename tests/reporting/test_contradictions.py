"""Contradictions the readiness checklist names (issue 21): a survey scored but not carried out, evidence from an
unfinished inspection, a department report in a project's words."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from evalplatform.accounts.models import User
from evalplatform.demo import load_demo
from evalplatform.engagements.models import Engagement
from evalplatform.inspections.models import Inspection
from evalplatform.questionnaires.models import Response
from evalplatform.reporting import readiness
from evalplatform.reporting import service as reporting
from evalplatform.reporting.models import Report
from tests import factories


@pytest.fixture
def demo(app, session):
    load_demo(session, app.config["STORAGE_DIR"], portfolio=False)
    session.commit()
    return lambda title: session.scalar(select(Engagement).where(Engagement.title.like(f"%{title}%")))


def _keys(session, report) -> list[str]:
    return [p.key for p in readiness.problems(session, report)]


def test_the_complete_demo_report_has_no_contradiction(session, demo):
    report = session.scalar(select(Report).where(Report.engagement_id == demo("农村公路").id))
    assert not {"survey_contradiction", "unfinished_inspection", "department_wording"} & set(_keys(session, report))


def test_a_satisfaction_score_without_a_valid_survey_is_named(session, demo):
    report = session.scalar(select(Report).where(Report.engagement_id == demo("农村公路").id))
    for response in session.scalars(select(Response)):
        response.invalid_reason = "测试：作废"
    session.flush()
    problems = [p for p in readiness.problems(session, report) if p.key == "survey_contradiction"]
    assert problems and "未开展满意度调查" in str(problems[0])


def test_evidence_of_an_unfinished_inspection_is_named(session, demo):
    road = demo("农村公路")
    report = session.scalar(select(Report).where(Report.engagement_id == road.id))
    inspection = session.scalar(select(Inspection).where(Inspection.engagement_id == road.id))
    inspection.status = "in_progress"
    session.flush()
    problem = next(p for p in readiness.problems(session, report) if p.key == "unfinished_inspection")
    assert "E-0" in str(problem) and "尚未完成的现场勘查" in str(problem)


def test_a_department_report_in_project_words_is_named(session, demo):
    dept = demo("部门整体支出")
    evaluator = session.scalar(select(User).where(User.username == "evaluator"))
    report = reporting.start_report(session, dept, evaluator, factories.NOW)
    reporting.save_section(session, report, "experience", "本项目资金管理规范。", evaluator, factories.NOW)
    problem = next(p for p in readiness.problems(session, report) if p.key == "department_wording")
    assert "本项目" in str(problem)
