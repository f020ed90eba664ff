"""Backup and restore: one archive holding the database, the evidence blobs and a manifest of hashes.

SQLite is copied with the online backup API; PostgreSQL with pg_dump (custom format) and restored
with pg_restore into an empty database. The manifest lists every blob's SHA-256 and every table's row
count, and a restore is checked against it (and the audit chains and sealed rows re-verified) before it
reports OK. Archives are written readable by their owner only (0600); with a passphrase they are encrypted
(evalplatform.archive_crypto). The audit key goes in only when asked, and only into an encrypted archive.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .archive_crypto import DecryptingReader, EncryptingWriter, PassphraseError, is_encrypted
from .evidence.models import EvidenceBlob
from .evidence.store import BlobStore
from .models import metadata
from .verification import verify_installation

FORMAT_VERSION = 1


class RestoreError(Exception):
    pass


@dataclass
class RestoreReport:
    tables: int
    rows: int
    blobs: int
    audit_events: int
    sealed_rows: int = 0
    audit_key: str | None = None  # the key the archive carried (backup --with-audit-key), if any


def table_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {t.name: session.scalar(select(func.count()).select_from(t)) for t in metadata.sorted_tables}


def backup(
    engine: Engine,
    storage_dir: str,
    output: Path,
    now: datetime | None = None,
    *,
    passphrase: str | None = None,
    audit_key: str | None = None,
) -> dict:
    """Write the archive (0600); encrypted when a passphrase is given; with the audit key only if one is
    passed, and then only encrypted (the key next to the rows it protects, in clear, would protect nothing)."""
    if audit_key and not passphrase:
        raise ValueError("the audit key goes into encrypted backups only")
    store = BlobStore(storage_dir)
    with Session(engine) as session:
        blobs = [
            {"sha256": s, "size": n}
            for s, n in session.execute(select(EvidenceBlob.sha256, EvidenceBlob.size).order_by(EvidenceBlob.sha256))
        ]
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": (now or datetime.now(timezone.utc)).isoformat(),
        "backend": engine.dialect.name,
        "alembic_revision": _revision(engine),
        "tables": table_counts(engine),
        "blobs": blobs,
        "audit_key_included": bool(audit_key),
    }
    with tempfile.TemporaryDirectory() as work, _owner_only(output) as raw:
        dump = Path(work) / ("database.sqlite" if engine.dialect.name == "sqlite" else "database.pgdump")
        _dump_database(engine, dump)
        target = EncryptingWriter(raw, passphrase) if passphrase else raw
        with tarfile.open(fileobj=target, mode="w|gz") as archive:
            _add_bytes(archive, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())
            archive.add(dump, arcname=dump.name)
            for blob in blobs:
                archive.add(store.path_for(blob["sha256"]), arcname=f"blobs/{blob['sha256']}")
            if audit_key:
                _add_bytes(archive, AUDIT_KEY_MEMBER, audit_key.encode("utf-8"))
        if passphrase:
            target.close()
    return manifest


AUDIT_KEY_MEMBER = "audit_key"


def _owner_only(path: Path):
    """Open for writing with mode 0600 from the first byte (and back to 0600 if the file was already there)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    return os.fdopen(descriptor, "wb")


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.scalar(text("SELECT version_num FROM alembic_version"))


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime = len(data), int(datetime.now().timestamp())
    archive.addfile(info, fileobj=io.BytesIO(data))


def _dump_database(engine: Engine, target: Path) -> None:
    if engine.dialect.name == "sqlite":
        _copy_sqlite(Path(engine.url.database), target)
        return
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", "--file", str(target), _libpq_url(engine)],
        check=True,
        capture_output=True,
        timeout=3600,
    )


def _copy_sqlite(source_path: Path, target_path: Path) -> None:
    """SQLite's online backup: a consistent copy even while the source is in use."""
    source, destination = sqlite3.connect(source_path), sqlite3.connect(target_path)
    try:
        with destination:
            source.backup(destination)
    finally:
        source.close()
        destination.close()


def _libpq_url(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def restore(
    engine: Engine, storage_dir: str, archive_path: Path, *, passphrase: str | None = None, audit_key: str | None = None
) -> RestoreReport:
    """Rebuild an EMPTY installation (no tables, no blobs) from an archive, then check it with `audit_key`
    (the installation's) — or with the key the archive carries, if it carries one."""
    _ensure_empty(engine, storage_dir)
    store = BlobStore(storage_dir)
    with tempfile.TemporaryDirectory() as work:
        _extract(archive_path, work, passphrase)
        manifest = json.loads((Path(work) / "manifest.json").read_text())
        if manifest.get("format") != FORMAT_VERSION:
            raise RestoreError(f"unknown backup format {manifest.get('format')}")
        carried = Path(work) / AUDIT_KEY_MEMBER
        carried_key = carried.read_text().strip() if carried.is_file() else None
        _restore_blobs(store, Path(work) / "blobs", manifest["blobs"])
        _restore_database(engine, Path(work), manifest["backend"])
    report = _check(engine, store, manifest, carried_key or audit_key)
    report.audit_key = carried_key
    return report


def _extract(archive_path: Path, work: str, passphrase: str | None) -> None:
    """Everything into `work` before anything is restored: a wrong passphrase or a damaged file stops here."""
    with open(archive_path, "rb") as raw:
        try:
            if is_encrypted(archive_path):
                if not passphrase:
                    raise RestoreError("该备份已加密，请提供备份口令 / this backup is encrypted: give its passphrase")
                source = DecryptingReader(raw, passphrase)
            else:
                source = raw
            with tarfile.open(fileobj=source, mode="r|gz") as archive:
                archive.extractall(work, filter="data")  # the data filter refuses ../ and absolute names
        except PassphraseError as error:
            raise RestoreError(str(error)) from None


def _ensure_empty(engine: Engine, storage_dir: str) -> None:
    with engine.connect() as connection:
        tables = inspect(connection).get_table_names()
    if tables:
        raise RestoreError(f"the target database is not empty ({len(tables)} tables); restore needs an empty one")
    blobs = Path(storage_dir) / "blobs"
    if blobs.exists() and any(blobs.iterdir()):
        raise RestoreError(f"the evidence store {blobs} is not empty")


def _restore_blobs(store: BlobStore, source: Path, blobs: list[dict]) -> None:
    """Every blob is checked against its name before any is stored: a bad archive restores nothing."""
    for blob in blobs:
        with open(source / blob["sha256"], "rb") as stream:
            if hashlib.file_digest(stream, "sha256").hexdigest() != blob["sha256"]:
                raise RestoreError(f"blob {blob['sha256']} in the archive is corrupt")
    for blob in blobs:
        with open(source / blob["sha256"], "rb") as stream:
            store.put(stream, max_bytes=blob["size"])


def _restore_database(engine: Engine, work: Path, backend: str) -> None:
    if backend != engine.dialect.name:
        raise RestoreError(f"this backup is of {backend}; the target is {engine.dialect.name}")
    if backend == "sqlite":
        engine.dispose()
        _copy_sqlite(work / "database.sqlite", Path(engine.url.database))
        return
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", _libpq_url(engine), str(work / "database.pgdump")],
        check=True,
        capture_output=True,
        timeout=3600,
    )


def _check(engine: Engine, store: BlobStore, manifest: dict, audit_key: str | None) -> RestoreReport:
    counts = table_counts(engine)
    if counts != manifest["tables"]:
        wrong = {t: (counts.get(t), n) for t, n in manifest["tables"].items() if counts.get(t) != n}
        raise RestoreError(f"row counts differ after restore: {wrong}")
    for blob in manifest["blobs"]:
        if store.rehash(blob["sha256"]) != blob["sha256"]:
            raise RestoreError(f"blob {blob['sha256']} does not verify after restore")
    with Session(engine) as session:
        result = verify_installation(session, key=audit_key.encode("utf-8") if audit_key else None)
    if not result.ok:
        raise RestoreError(
            "restored, but the audit record does not verify (made with another audit key? set "
            "AUDIT_KEY to the original installation's, or back up with --with-audit-key): "
            + "; ".join(result.problems()[:3])
        )
    return RestoreReport(
        tables=len(counts),
        rows=sum(counts.values()),
        blobs=len(manifest["blobs"]),
        audit_events=result.chains.checked,
        sealed_rows=result.sealed_rows,
    )
