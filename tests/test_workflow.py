"""Workflow states: every change of state in the code is a declared move, and every declared move is made."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from enum import StrEnum
from pathlib import Path
from types import SimpleNamespace

import pytest

from evalplatform import workflow
from evalplatform.engagements import commissions
from evalplatform.engagements import service as engagements
from evalplatform.engagements.models import COMMISSION_WORKFLOW, ENGAGEMENT_WORKFLOW, EngagementStatus
from evalplatform.inspections.models import INSPECTION_WORKFLOW
from evalplatform.materials.models import DRAFT_WORKFLOW
from evalplatform.reporting.models import RENDER_JOB_WORKFLOW, REPORT_WORKFLOW
from evalplatform.workflow import TransitionNotAllowed, Workflow
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "evalplatform"
STATE_ATTRIBUTES = {"status", "state"}
# States set outside a workflow, and why.
NOT_WORKFLOWS = {
    # 整改 progress: the bureau sets any of open / in progress / done at any time; no move is forbidden.
    "bureau/service.py",
}


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


def _state_assignments(tree: ast.AST):
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        for target in targets:
            for element in target.elts if isinstance(target, ast.Tuple) else [target]:
                # `self.state = …` is an object setting its own field (an exception's), not a move.
                if (
                    isinstance(element, ast.Attribute)
                    and element.attr in STATE_ATTRIBUTES
                    and not (isinstance(element.value, ast.Name) and element.value.id == "self")
                ):
                    yield node.lineno


def test_no_state_is_set_except_through_a_workflow():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative == "workflow.py" or relative in NOT_WORKFLOWS:
            continue
        offenders += [f"{relative}:{line}" for line in _state_assignments(ast.parse(path.read_text("utf-8")))]
    assert offenders == [], "set states with Workflow.move so the move is checked against the declaration"


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
        S.review,
        S.reporting,
        S.review,
        S.issued,
        S.archived,
    ]
    for status in path:
        engagements.change_status(session, world.engagement, status, world.reviewer, factories.NOW)
    assert moves == _declared(ENGAGEMENT_WORKFLOW)
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
