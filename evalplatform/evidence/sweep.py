"""Sweep the evidence store of bytes nothing refers to.

Blobs are published before the database transaction that refers to them commits (the bytes must be safe on
disk first). When that transaction rolls back — a refused import, a crash, a database failure — the blob
stays on disk with no row pointing at it. A process killed mid-upload leaves its spool file in incoming/.
`sweep` removes both once they have been idle for a grace period far longer than any transaction, so bytes
an upload in flight is about to refer to are never touched (`BlobStore.remove_if_idle` covers the race).
Referenced: an evidence blob row (issued reports, materials and photos are evidence), a draft rendering, or an
import draft still being mapped or reviewed (its file becomes evidence only when committed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterable

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from .models import EvidenceBlob
from .store import BlobStore

DEFAULT_GRACE = timedelta(hours=24)


@dataclass
class SweepReport:
    blobs_checked: int = 0
    orphans: list[str] = field(default_factory=list)  # SHA-256 of unreferenced, idle blobs
    stale_incoming: list[str] = field(default_factory=list)  # file names under incoming/
    bytes: int = 0
    removed: bool = False


def referenced_hashes(session: Session, holders: Iterable[Select]) -> set[str]:
    """Evidence blobs, plus the hashes each of `holders` selects (rows of later domains that refer to blobs)."""
    hashes = set(session.scalars(select(EvidenceBlob.sha256)))
    for holder in holders:
        hashes.update(session.scalars(holder))
    return hashes


def sweep(
    session: Session,
    store: BlobStore,
    now: datetime,
    *,
    holders: Iterable[Select],
    grace: timedelta = DEFAULT_GRACE,
    remove: bool = False,
) -> SweepReport:
    """Find (and with `remove`, delete) unreferenced blobs and stale spool files idle for longer than `grace`.
    `holders`: `evalplatform.models.blob_holders()` (materials and reporting build on evidence, not the reverse)."""
    if grace < timedelta(hours=1):
        raise ValueError("a grace period under an hour could race with uploads in progress")
    idle_before = (now - grace).timestamp()
    referenced = referenced_hashes(session, holders)  # read before any file's time is, see remove_if_idle
    report = SweepReport(removed=remove)
    for path in store.blob_files():
        report.blobs_checked += 1
        size = _idle_size(path, idle_before)
        if path.name in referenced or size is None:
            continue
        if not remove or store.remove_if_idle(path, idle_before):
            report.orphans.append(path.name)
            report.bytes += size
    for path in store.incoming_files():
        size = _idle_size(path, idle_before)
        if size is not None:
            report.stale_incoming.append(path.name)
            report.bytes += size
            if remove:
                path.unlink(missing_ok=True)
    return report


def _idle_size(path: Path, idle_before: float) -> int | None:
    """The file's size if it was last modified before `idle_before`, else None (also when it is gone)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_size if stat.st_mtime < idle_before else None
