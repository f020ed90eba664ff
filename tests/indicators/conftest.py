"""A small setting for indicator tests: one firm, one bureau, an evaluator and an engagement (fast to make)."""

from types import SimpleNamespace

import pytest

from tests import factories


@pytest.fixture
def world(session):
    firm, bureau = factories.firm(session), factories.bureau(session)
    evaluator = factories.user(session, "evaluator", firm=firm)
    world = SimpleNamespace(
        firm=firm, bureau=bureau, evaluator=evaluator, engagement=factories.engagement(session, evaluator, bureau)
    )
    session.commit()
    return world
