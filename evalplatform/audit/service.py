"""Append events to a hash chain and verify chains.

row_hash = SHA-256(prev_hash ‖ canonical JSON of the row), so changing any stored field of any row
breaks that row's link, and deleting or inserting a row breaks the next one.
"""
from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from .models import GENESIS_HASH, AuditEvent

# Only these detail keys are ever stored: passwords, tokens and free-form request data never are.
ALLOWED_DETAIL_KEYS = frozenset({
    "title", "status_from", "status_to", "fields", "username", "role", "reason", "name",
    "count", "sha256", "filename", "version", "member", "site", "before", "after", "result",
    "size",
})


def chain_for(engagement_id: int | None) -> str:
    return f"engagement:{engagement_id}" if engagement_id else "system"


def canonical_payload(event: AuditEvent) -> str:
    occurred = event.occurred_at.astimezone(timezone.utc).replace(tzinfo=None)
    payload = {
        "chain": event.chain, "seq": event.seq, "engagement_id": event.engagement_id,
        "actor_id": event.actor_id, "action": event.action, "object_type": event.object_type,
        "object_id": event.object_id, "occurred_at": occurred.isoformat(timespec="microseconds"),
        "ip": event.ip, "details": event.details,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + canonical_payload(event)).encode("utf-8")).hexdigest()


def lock_chain(session: Session, chain: str) -> None:
    """Serialize appends to one chain before reading its last link; UNIQUE(chain, seq) is the backstop.
    PostgreSQL: a transaction-scoped advisory lock. SQLite: a no-op write takes the database's single
    write lock (waiting up to busy_timeout), so the read that follows sees the newest committed link."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(chain.encode())})
    elif dialect == "sqlite":
        session.execute(text("UPDATE audit_event SET seq = seq WHERE 0"))


def record(session: Session, *, actor, action: str, obj=None, object_type: str | None = None,
           engagement_id: int | None = None, ip: str | None = None, details: dict | None = None,
           now: datetime | None = None) -> AuditEvent:
    """Append one event in the caller's transaction (so it commits or rolls back with the change)."""
    details = {k: v for k, v in (details or {}).items() if k in ALLOWED_DETAIL_KEYS}
    chain = chain_for(engagement_id)
    lock_chain(session, chain)
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.row_hash).where(AuditEvent.chain == chain)
        .order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    event = AuditEvent(
        chain=chain, seq=(last.seq + 1) if last else 1, engagement_id=engagement_id,
        actor_id=getattr(actor, "id", None), action=action,
        object_type=object_type or (type(obj).__name__ if obj is not None else "system"),
        object_id=str(obj.id) if obj is not None and getattr(obj, "id", None) is not None else None,
        occurred_at=now or datetime.now(timezone.utc),
        ip=ip, details=details, prev_hash=last.row_hash if last else GENESIS_HASH,
    )
    event.row_hash = compute_hash(event.prev_hash, event)
    session.add(event)
    session.flush()
    return event


def lock_engagement(session: Session, engagement_id: int) -> None:
    """Serialise writers of one engagement for the rest of this transaction (numbering, idempotency)."""
    lock_chain(session, chain_for(engagement_id))


@dataclass(frozen=True)
class BrokenLink:
    chain: str
    seq: int
    event_id: int
    reason: str


def verify_chains(session: Session) -> tuple[int, BrokenLink | None]:
    """Walk every chain in order; return (events checked, first broken link or None)."""
    checked = 0
    rows = session.scalars(select(AuditEvent).order_by(AuditEvent.chain, AuditEvent.seq))
    chain, prev_hash, expected_seq = None, GENESIS_HASH, 1
    for event in rows:
        if event.chain != chain:
            chain, prev_hash, expected_seq = event.chain, GENESIS_HASH, 1
        broken = _check_link(event, prev_hash, expected_seq)
        if broken:
            return checked, broken
        checked += 1
        prev_hash, expected_seq = event.row_hash, event.seq + 1
    return checked, None


def _check_link(event: AuditEvent, prev_hash: str, expected_seq: int) -> BrokenLink | None:
    def broken(reason):
        return BrokenLink(event.chain, event.seq, event.id, reason)
    if event.seq != expected_seq:
        return broken(f"sequence gap: expected {expected_seq}")
    if event.prev_hash != prev_hash:
        return broken("prev_hash does not match the previous row")
    if compute_hash(event.prev_hash, event) != event.row_hash:
        return broken("row content does not match its hash")
    return None
