"""Workflow states: every change of state in the code is a declared move, and every declared move is made."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import uuid
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from types import SimpleNamespace

import pytest

from evalplatform import workflow
from evalplatform.bureau import service as bureau
from evalplatform.bureau.models import APPLICATION_WORKFLOW, ApplicationKind, ApplicationStatus, ResultApplication
from evalplatform.engagements import commissions
from evalplatform.engagements import service as engagements
from evalplatform.engagements.models import (
    COMMISSION_WORKFLOW,
    ENGAGEMENT_FOLLOWS_REPORT,
    ENGAGEMENT_WORKFLOW,
    EngagementStatus,
)
from evalplatform.inspections.models import INSPECTION_WORKFLOW
from evalplatform.materials.models import DRAFT_WORKFLOW
from evalplatform.questionnaires import service as questionnaires
from evalplatform.questionnaires.models import DISTRIBUTION_WORKFLOW, DistributionState
from evalplatform.reporting.models import RENDER_JOB_WORKFLOW, REPORT_WORKFLOW
from evalplatform.workflow import TransitionNotAllowed, Workflow
from tests import factories
from tests.questionnaires.conftest import answers

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "evalplatform"
STATE_ATTRIBUTES = {"status", "state"}
# Fields a state is derived from (a distribution's dates): set only in a function that asks the workflow first.
DERIVED_STATE_FIELDS = {"closes_at"}


class Light(StrEnum):
    red = "red"
    green = "green"


LIGHT = Workflow("light", Light, {Light.red: {Light.green}, Light.green: set()})


@pytest.fixture
def moves():
    made: set[tuple[str, str, str]] = set()
    observer = lambda flow, current, wanted: made.add((flow.name, current, wanted))  # noqa: E731
    workflow._observers.append(observer)
    yield made
    workflow._observers.remove(observer)


def _declared(flow: Workflow) -> set[tuple[str, str, str]]:
    return {(flow.name, a, b) for a, b in flow.pairs()}


def _assigned_attributes(tree: ast.AST):
    """(line, attribute) of every `obj.attribute = …` below `tree`, but `self.…` (an object's own field)."""
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        for target in targets:
            for element in target.elts if isinstance(target, ast.Tuple) else [target]:
                if isinstance(element, ast.Attribute) and not (
                    isinstance(element.value, ast.Name) and element.value.id == "self"
                ):
                    yield node.lineno, element.attr


def _asks_a_workflow(function: ast.AST) -> bool:
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("check", "move")
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id.endswith("_WORKFLOW")
        for node in ast.walk(function)
    )


def _state_assignments(tree: ast.AST):
    yield from (line for line, attribute in _assigned_attributes(tree) if attribute in STATE_ATTRIBUTES)
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef) and not _asks_a_workflow(function):
            yield from (line for line, attribute in _assigned_attributes(function) if attribute in DERIVED_STATE_FIELDS)


def test_no_state_is_set_except_through_a_workflow():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative == "workflow.py":
            continue
        offenders += [f"{relative}:{line}" for line in _state_assignments(ast.parse(path.read_text("utf-8")))]
    assert offenders == [], "set states with Workflow.move (or Workflow.check first) so the move is declared"


def test_an_undeclared_move_is_refused_and_names_both_states():
    light = SimpleNamespace(status="green")  # as a plain String column loads
    with pytest.raises(TransitionNotAllowed, match="light: green → red"):
        LIGHT.move(light, Light.red)
    assert light.status == "green"
    light.status = Light.red
    assert LIGHT.move(light, "green") is Light.red and light.status is Light.green


def test_a_workflow_must_say_where_each_state_may_go():
    with pytest.raises(ValueError, match="green"):
        Workflow("light", Light, {Light.red: {Light.green}})


def test_every_engagement_move_is_made_by_change_status(session, moves):
    world = factories.World(session)
    S = EngagementStatus
    path = [
        S.fieldwork,
        S.setup,
        S.fieldwork,
        S.analysis,
        S.fieldwork,
        S.analysis,
        S.reporting,
        S.analysis,
        S.reporting,
    ]
    for status in path:
        engagements.change_status(session, world.engagement, status, world.reviewer, factories.NOW)
    engagements.follow_workflow(session, world.engagement, S.review, world.reviewer, factories.NOW, "报告提交复核")
    engagements.follow_workflow(session, world.engagement, S.issued, world.reviewer, factories.NOW, "报告签发")
    engagements.change_status(session, world.engagement, S.archived, world.reviewer, factories.NOW)
    assert moves - _declared(ENGAGEMENT_FOLLOWS_REPORT) == _declared(ENGAGEMENT_WORKFLOW)
    other = factories.engagement(session, world.evaluator, world.bureau)
    with pytest.raises(TransitionNotAllowed):
        engagements.change_status(session, other, S.review, world.reviewer, factories.NOW)


def test_every_commission_move_is_made_by_the_commission_service(session, moves):
    world = factories.World(session)
    firm_user = world.evaluator
    for decide in (
        lambda c: commissions.accept(session, c, world.bureau_user, factories.NOW),
        lambda c: commissions.decline(session, c, world.bureau_user, factories.NOW, "预算未落实"),
        lambda c: commissions.withdraw(session, c, firm_user, factories.NOW, "重复申请"),
    ):
        decide(commissions.request_commission(session, firm_user, world.bureau.name, "农村公路", 2025, factories.NOW))
    commissions.withdraw(session, world.commission, world.bureau_user, factories.NOW, "改派")
    assert moves == _declared(COMMISSION_WORKFLOW)


def test_every_result_application_move_is_made_by_update_application(session, moves):
    world = factories.World(session)
    item = ResultApplication(
        engagement_id=world.engagement.id,
        kind=ApplicationKind.rectification,
        requirement="补齐管护台账",
        created_by_id=world.bureau_user.id,
    )
    session.add(item)
    session.flush()
    S = ApplicationStatus
    for status in (S.open, S.in_progress, S.done, S.open, S.done, S.in_progress, S.open):  # the first: no move
        bureau.update_application(session, item, status.value, "整改情况", world.bureau_user, factories.NOW)
        assert item.status is status
    assert moves == _declared(APPLICATION_WORKFLOW)


def _distribution(session, world, **fields):
    instrument = factories.questionnaire(session, world.engagement, world.evaluator)
    return questionnaires.create_distribution(
        session,
        instrument,
        world.evaluator,
        factories.NOW,
        questionnaires.DistributionFields(name="柳湾村", stratum="柳湾村", **fields),
    )


def test_closing_a_distribution_is_a_declared_move_from_every_state_but_closed(session, moves):
    world = factories.World(session)
    now, later = factories.NOW, factories.NOW + timedelta(days=3)
    not_open = _distribution(session, world, opens_at=later)
    open_ = _distribution(session, world)
    full = _distribution(session, world, quota=1)
    questionnaires.submit_response(session, full, uuid.uuid4(), answers(), now)
    for distribution in (not_open, open_, full):
        questionnaires.close_distribution(session, distribution, world.evaluator, now)
        assert questionnaires.public_state(session, distribution, now) is DistributionState.closed
    D = DistributionState
    closings = {move for move in moves if move[0] == DISTRIBUTION_WORKFLOW.name}
    assert closings == {(DISTRIBUTION_WORKFLOW.name, state, D.closed) for state in (D.not_open, D.open, D.quota_full)}
    moves.clear()
    questionnaires.close_distribution(session, open_, world.evaluator, later)  # closed already: nothing changes
    assert open_.closes_at == now and moves == set()


def test_the_clock_and_the_count_move_a_distribution_only_as_declared(session):
    world = factories.World(session)
    start = factories.NOW
    distribution = _distribution(
        session, world, opens_at=start + timedelta(days=1), closes_at=start + timedelta(days=3), quota=1
    )
    states = []
    for hours in range(0, 24 * 4, 6):
        now = start + timedelta(hours=hours)
        if hours == 30:
            response, _created = questionnaires.submit_response(session, distribution, uuid.uuid4(), answers(), now)
        if hours == 42:
            questionnaires.mark_invalid(session, response, world.evaluator, now, "重复作答")
        states.append(questionnaires.public_state(session, distribution, now))
    D = DistributionState
    walked = [a for a, b in zip(states, states[1:] + [None]) if a != b]
    assert walked == [D.not_open, D.open, D.quota_full, D.open, D.closed]
    assert all(DISTRIBUTION_WORKFLOW.can_move(a, b) for a, b in zip(walked, walked[1:]))


# The tests that walk the other workflows end to end (reports are issued, so they render PDFs).
WALKS = [
    "tests/reporting/test_review.py",
    "tests/reporting/test_four_eyes.py",
    "tests/reporting/test_render_job.py",
    "tests/inspections/test_inspection_service.py::test_finish_needs_required_items_photos_and_both_signatures",
    "tests/materials/test_draft_workflow.py",
]


def test_every_declared_move_of_reports_inspections_and_drafts_is_made_by_their_tests(tmp_path):
    """Runs those tests (on SQLite) with every move recorded (tests/conftest.py), then compares."""
    record = tmp_path / "moves.json"
    env = {k: v for k, v in os.environ.items() if k != "EVALPLATFORM_TEST_POSTGRES_URL"}
    env["EVALPLATFORM_RECORD_MOVES"] = str(record)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *WALKS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    made = {tuple(m) for m in json.loads(record.read_text("utf-8"))}
    for flow in (REPORT_WORKFLOW, INSPECTION_WORKFLOW, DRAFT_WORKFLOW, RENDER_JOB_WORKFLOW):
        assert _declared(flow) - made == set(), f"declared but never made: {flow.name}"
