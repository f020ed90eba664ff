"""Backup and restore round-trip the demo installation: rows, evidence hashes and the audit chain."""
import io
import tarfile

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import create_engine, text

from evalplatform import create_app
from evalplatform.backup import RestoreError, backup, restore, table_counts
from evalplatform.cli import backup_command, restore_command
from evalplatform.demo import load_demo
from evalplatform.evidence.store import BlobStore


@pytest.fixture
def demo(app, session):
    load_demo(session, app.config["STORAGE_DIR"], portfolio=False)
    session.commit()
    return app


def test_backup_and_restore_round_trip_the_demo(demo, empty_database_url, tmp_path):
    source = demo.extensions["evalplatform.db"].engine
    archive = tmp_path / "backup.tar.gz"
    manifest = backup(source, demo.config["STORAGE_DIR"], archive)
    with source.connect() as c:
        evidence_rows = c.execute(text("SELECT count(*) FROM evidence")).scalar()
        blob_rows = c.execute(text("SELECT count(*) FROM evidence_blob")).scalar()
    assert evidence_rows >= 5 and manifest["tables"]["evidence"] == evidence_rows  # photos, materials, …
    assert len(manifest["blobs"]) == blob_rows
    assert manifest["tables"]["inspection_entry"] == 8

    target = create_engine(empty_database_url)
    report = restore(target, str(tmp_path / "restored-evidence"), archive)
    assert table_counts(target) == table_counts(source)
    assert report.blobs == blob_rows and report.audit_events >= 10
    restored = BlobStore(tmp_path / "restored-evidence")
    for blob in manifest["blobs"]:
        assert restored.rehash(blob["sha256"]) == blob["sha256"]
    target.dispose()


def test_the_commands_round_trip_and_the_restored_app_logs_in(demo, empty_database_url, tmp_path):
    archive = tmp_path / "b.tar.gz"
    result = CliRunner().invoke(backup_command, ["--output", str(archive)], obj=ScriptInfo(create_app=lambda: demo))
    assert result.exit_code == 0, result.output
    restored_app = create_app({"DATABASE_URL": empty_database_url, "STORAGE_DIR": str(tmp_path / "r"),
                               "SECRET_KEY": "x", "TESTING": True})
    result = CliRunner().invoke(restore_command, [str(archive)], obj=ScriptInfo(create_app=lambda: restored_app))
    assert result.exit_code == 0, result.output
    assert "restored and verified" in result.output
    from tests.conftest import login
    client = restored_app.test_client()
    login(client, "evaluator", "demo-pass-2026")
    assert "农村公路" in client.get("/engagements").get_data(as_text=True)
    restored_app.extensions["evalplatform.db"].engine.dispose()


def test_restore_refuses_a_database_that_is_not_empty(demo, tmp_path):
    engine = demo.extensions["evalplatform.db"].engine
    archive = tmp_path / "b.tar.gz"
    backup(engine, demo.config["STORAGE_DIR"], archive)
    with pytest.raises(RestoreError, match="not empty"):
        restore(engine, str(tmp_path / "other"), archive)


def test_a_corrupted_blob_in_the_archive_is_refused(demo, empty_database_url, tmp_path):
    engine = demo.extensions["evalplatform.db"].engine
    archive, tampered = tmp_path / "b.tar.gz", tmp_path / "t.tar.gz"
    manifest = backup(engine, demo.config["STORAGE_DIR"], archive)
    victim = f"blobs/{manifest['blobs'][0]['sha256']}"
    with tarfile.open(archive) as src, tarfile.open(tampered, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == victim:
                data = bytes([data[0] ^ 1]) + data[1:]
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    target = create_engine(empty_database_url)
    with pytest.raises(RestoreError, match="corrupt"):
        restore(target, str(tmp_path / "r"), tampered)
    assert not (tmp_path / "r" / "blobs").exists()
    with target.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
    target.dispose()
