"""Backup and restore round-trip the demo installation: rows, evidence hashes and the audit chain."""

import io
import stat
import tarfile

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import create_engine, inspect, text

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
    restored_app = create_app(
        {"DATABASE_URL": empty_database_url, "STORAGE_DIR": str(tmp_path / "r"), "SECRET_KEY": "x", "TESTING": True}
    )
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


def invoke(app, command, args, env=None):
    return CliRunner().invoke(command, args, obj=ScriptInfo(create_app=lambda: app), env=env or {})


def test_archives_are_written_for_the_owner_only(demo, tmp_path):
    archive = tmp_path / "b.tar.gz"
    archive.write_bytes(b"an older file, world-readable")
    archive.chmod(0o644)
    assert invoke(demo, backup_command, ["--output", str(archive)]).exit_code == 0
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert invoke(demo, backup_command, ["--output", str(tmp_path / "new.tar.gz")]).exit_code == 0
    assert stat.S_IMODE((tmp_path / "new.tar.gz").stat().st_mode) == 0o600


PASSPHRASE = {"EVALPLATFORM_BACKUP_PASSPHRASE": "江州 财政 2026 备份口令"}


def test_an_encrypted_backup_hides_everything_and_restores_with_its_passphrase(demo, empty_database_url, tmp_path):
    archive = tmp_path / "b.enc"
    result = invoke(demo, backup_command, ["--output", str(archive), "--encrypt"], PASSPHRASE)
    assert result.exit_code == 0 and "(encrypted)" in result.output
    data = archive.read_bytes()
    assert (
        data.startswith(b"EVALPLATFORM-BACKUP-AESGCM-1") and b"manifest" not in data and "农村公路".encode() not in data
    )
    with pytest.raises(tarfile.ReadError):
        tarfile.open(archive)
    restored = restored_app(empty_database_url, tmp_path)
    result = invoke(restored, restore_command, [str(archive)], PASSPHRASE)
    assert result.exit_code == 0, result.output
    assert "restored and verified" in result.output and "sealed rows" in result.output
    restored.extensions["evalplatform.db"].engine.dispose()


def restored_app(url, tmp_path, **config):
    return create_app(
        {"DATABASE_URL": url, "STORAGE_DIR": str(tmp_path / "r"), "SECRET_KEY": "x", "TESTING": True, **config}
    )


def test_a_wrong_passphrase_is_refused_clearly_and_nothing_is_restored(demo, empty_database_url, tmp_path):
    archive = tmp_path / "b.enc"
    invoke(demo, backup_command, ["--output", str(archive), "--encrypt"], PASSPHRASE)
    restored = restored_app(empty_database_url, tmp_path)
    result = invoke(restored, restore_command, [str(archive)], {"EVALPLATFORM_BACKUP_PASSPHRASE": "猜一个口令"})
    assert result.exit_code == 1
    assert "备份口令不正确，未恢复任何数据" in result.output and "wrong passphrase" in result.output
    engine = restored.extensions["evalplatform.db"].engine
    with engine.connect() as connection:
        assert inspect(connection).get_table_names() == []
    assert not (tmp_path / "r" / "blobs").exists()
    engine.dispose()


def test_an_altered_or_cut_encrypted_archive_is_refused(demo, empty_database_url, tmp_path):
    engine = demo.extensions["evalplatform.db"].engine
    archive = tmp_path / "b.enc"
    backup(engine, demo.config["STORAGE_DIR"], archive, passphrase="口令-2026-一二三")
    data = archive.read_bytes()
    target = create_engine(empty_database_url)
    for name, damaged in [
        ("flipped", data[:5000] + bytes([data[5000] ^ 1]) + data[5001:]),
        ("cut", data[: len(data) // 2]),
    ]:
        path = tmp_path / f"{name}.enc"
        path.write_bytes(damaged)
        with pytest.raises(RestoreError, match="altered|truncated"):
            restore(target, str(tmp_path / name), path, passphrase="口令-2026-一二三")
    target.dispose()


def test_the_audit_key_travels_only_when_asked_and_only_encrypted(demo, empty_database_url, tmp_path):
    plain = tmp_path / "plain.tar.gz"
    refused = invoke(demo, backup_command, ["--output", str(plain), "--with-audit-key"])
    assert refused.exit_code != 0 and "--with-audit-key needs --encrypt" in refused.output
    invoke(demo, backup_command, ["--output", str(plain)])
    with tarfile.open(plain) as archive:
        assert "audit_key" not in archive.getnames()
        assert demo.config["AUDIT_KEY"].encode() not in b"".join(
            archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()
        )
    # With the key inside, a machine with another key still verifies the restore.
    archive = tmp_path / "with-key.enc"
    assert (
        invoke(demo, backup_command, ["--output", str(archive), "--encrypt", "--with-audit-key"], PASSPHRASE).exit_code
        == 0
    )
    other = restored_app(empty_database_url, tmp_path, AUDIT_KEY="another-installation-key-" + "9" * 32)
    report = restore(
        other.extensions["evalplatform.db"].engine,
        str(tmp_path / "r"),
        archive,
        passphrase=PASSPHRASE["EVALPLATFORM_BACKUP_PASSPHRASE"],
        audit_key=other.config["AUDIT_KEY"],
    )
    assert report.audit_key == demo.config["AUDIT_KEY"] and report.sealed_rows > 0
    other.extensions["evalplatform.db"].engine.dispose()


def test_without_the_key_a_restore_under_another_key_says_why_it_does_not_verify(demo, empty_database_url, tmp_path):
    archive = tmp_path / "b.tar.gz"
    backup(demo.extensions["evalplatform.db"].engine, demo.config["STORAGE_DIR"], archive)
    target = create_engine(empty_database_url)
    with pytest.raises(RestoreError, match="another audit key"):
        restore(target, str(tmp_path / "r"), archive, audit_key="another-installation-key-" + "9" * 32)
    target.dispose()
