"""An import draft's life: mapping → review → committed, or straight to committed, or discarded."""

import io

import pytest

from evalplatform.evidence.store import BlobStore
from evalplatform.materials import drafts
from evalplatform.materials.models import DraftStatus
from evalplatform.materials.service import MaterialError
from tests import factories
from tests.materials import workbooks
from tests.materials.setting import Team


@pytest.fixture
def team(session):
    return Team(session)


def start(session, app, team, kind, workbook):
    store = BlobStore(app.config["STORAGE_DIR"])
    draft = drafts.start_draft(
        session,
        store,
        team.engagement,
        team.evaluator,
        factories.NOW,
        kind=kind,
        stream=io.BytesIO(workbooks.xlsx(workbook)),
        filename="表.xlsx",
        max_bytes=2**24,
    )
    return store, draft


def confirm(session, store, draft, team):
    return drafts.confirm_mapping(
        session, store, draft, team.engagement, team.evaluator, factories.NOW, draft.table["choice"], max_bytes=2**24
    )


def test_a_self_assessment_is_reviewed_before_it_is_committed_and_then_closed(session, app, team):
    store, draft = start(session, app, team, "self_assessment", workbooks.self_assessment_workbook())
    assert draft.status == DraftStatus.mapping and confirm(session, store, draft, team) is None
    assert draft.status == DraftStatus.review
    material = drafts.commit(session, store, draft, team.engagement, team.evaluator, factories.NOW, max_bytes=2**24)
    assert draft.status == DraftStatus.committed and draft.import_id == material.id
    with pytest.raises(MaterialError):
        confirm(session, store, draft, team)


def test_a_ledger_commits_from_its_mapping_and_any_open_draft_can_be_discarded(session, app, team):
    store, ledger = start(session, app, team, "ledger", workbooks.ledger_workbook())
    assert confirm(session, store, ledger, team) is not None and ledger.status == DraftStatus.committed
    store, unmapped = start(session, app, team, "ledger", workbooks.ledger_workbook())
    drafts.discard(session, unmapped, team.engagement, team.evaluator, factories.NOW)
    assert unmapped.status == DraftStatus.discarded
    store, draft = start(session, app, team, "self_assessment", workbooks.self_assessment_workbook())
    confirm(session, store, draft, team)
    drafts.discard(session, draft, team.engagement, team.evaluator, factories.NOW)
    assert draft.status == DraftStatus.discarded
