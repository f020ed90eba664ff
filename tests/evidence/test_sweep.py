"""The sweep of unreferenced blobs: rolled-back uploads' bytes go after the grace period, nothing referenced
or recently used ever does, and a blob taken up again mid-sweep is put back."""

import io
import os
import time
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from evalplatform.cli import sweep_evidence_command
from evalplatform.evidence import service
from evalplatform.evidence.store import BlobStore
from evalplatform.evidence.sweep import sweep
from evalplatform.models import blob_holders
from evalplatform.reporting.service import start_report
from tests import factories
from tests.evidence import files

DAY = 24 * 3600


def now():
    """The sweep compares file times with the clock, so these tests use the real one."""
    return datetime.now(timezone.utc)


def age(path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


@pytest.fixture
def store(app):
    return BlobStore(app.config["STORAGE_DIR"])


@pytest.fixture
def world(session):
    return factories.World(session)


def kept_photo(session, store, world):
    upload = service.store_upload(
        session,
        store,
        world.engagement,
        world.evaluator,
        factories.NOW,
        stream=io.BytesIO(files.jpeg()),
        filename="现场.jpg",
        max_bytes=10**7,
    )
    session.commit()
    return store.path_for(upload.evidence.blob_sha256)


def rolled_back_photo(session, store, world, color=(200, 10, 10)):
    """An upload whose transaction never committed: its bytes are on disk, no row refers to them."""
    upload = service.store_upload(
        session,
        store,
        world.engagement,
        world.evaluator,
        factories.NOW,
        stream=io.BytesIO(files.jpeg(color=color)),
        filename="撤回.jpg",
        max_bytes=10**7,
    )
    session.rollback()
    return store.path_for(upload.evidence.blob_sha256)


def test_only_unreferenced_blobs_idle_past_the_grace_period_are_removed(session, store, world):
    kept = kept_photo(session, store, world)
    orphan = rolled_back_photo(session, store, world)
    young_orphan = rolled_back_photo(session, store, world, color=(10, 200, 10))
    spool = store.root / "incoming" / "upload-killed"
    spool.write_bytes(b"half an upload")
    for path in (kept, orphan, spool):
        age(path, 2 * DAY)

    dry = sweep(session, store, now(), holders=blob_holders(), remove=False)
    assert dry.orphans == [orphan.name] and dry.stale_incoming == ["upload-killed"]
    assert orphan.exists() and spool.exists()

    done = sweep(session, store, now(), holders=blob_holders(), remove=True)
    assert done.orphans == [orphan.name] and done.bytes == len(files.jpeg()) + len(b"half an upload")
    assert not orphan.exists() and not spool.exists()
    assert kept.exists() and young_orphan.exists()
    assert service.verify_store(session, store)[1] == []


def test_a_draft_pdf_is_referenced_by_its_render_job(session, store, world):
    draft = store.put(io.BytesIO(b"%PDF-1.7 draft"), 100)
    report = start_report(session, world.engagement, world.evaluator, factories.NOW)
    factories.render_job(session, report, pdf_sha256=draft.sha256)
    session.commit()
    age(draft.path, 2 * DAY)
    assert sweep(session, store, now(), holders=blob_holders(), remove=True).orphans == []
    assert draft.path.exists()


def test_storing_the_same_bytes_again_marks_an_idle_blob_in_use(session, store, world):
    orphan = rolled_back_photo(session, store, world)
    age(orphan, 2 * DAY)
    again = store.put(io.BytesIO(orphan.read_bytes()), 10**7)  # an upload in flight, not yet committed
    assert again.created is False
    assert sweep(session, store, now(), holders=blob_holders(), remove=True).orphans == []
    assert orphan.read_bytes() == again.path.read_bytes()


def test_a_blob_taken_up_between_the_check_and_the_removal_is_put_back(store):
    blob = store.put(io.BytesIO(b"bytes someone is uploading again"), 100)
    age(blob.path, 2 * DAY)
    idle_before = time.time() - DAY
    store.put(io.BytesIO(b"bytes someone is uploading again"), 100)  # touches it after the caller's check
    assert store.remove_if_idle(blob.path, idle_before) is False
    assert blob.path.read_bytes() == b"bytes someone is uploading again"
    age(blob.path, 2 * DAY)
    assert store.remove_if_idle(blob.path, idle_before) is True and not blob.path.exists()
    assert not list((store.root / "sweeping").iterdir())


def test_a_grace_period_under_an_hour_is_refused(session, store):
    with pytest.raises(ValueError):
        sweep(session, store, now(), holders=blob_holders(), grace=timedelta(minutes=5))


def test_the_command_lists_by_default_and_removes_when_asked(app, session, store, world):
    orphan = rolled_back_photo(session, store, world)
    age(orphan, 2 * DAY)
    info = ScriptInfo(create_app=lambda: app)
    listed = CliRunner().invoke(sweep_evidence_command, [], obj=info)
    assert listed.exit_code == 0 and f"UNREFERENCED: {orphan.name}" in listed.output
    assert "would remove" in listed.output and orphan.exists()
    removed = CliRunner().invoke(sweep_evidence_command, ["--remove"], obj=info)
    assert removed.exit_code == 0 and "removed: 1 unreferenced blobs" in removed.output
    assert not orphan.exists()


def test_a_draft_whose_file_is_gone_says_so_instead_of_failing(client, session, store, world):
    """Drafts are not in backups: after a restore, a render job's row remains and its file does not."""
    from tests.conftest import login

    report = start_report(session, world.engagement, world.evaluator, factories.NOW)
    job = factories.render_job(session, report, pdf_sha256="ab" * 32)
    session.commit()
    login(client, world.evaluator.username)
    response = client.get(f"/engagements/{world.engagement.id}/report/jobs/{job.id}/pdf")
    assert response.status_code == 410
    assert "请重新生成草稿" in response.get_data(as_text=True)
