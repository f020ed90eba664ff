"""Append events to a keyed hash chain and verify chains.

row_hash = HMAC-SHA-256(key, prev_hash ‖ canonical JSON of the row), with the key held outside the
database (evalplatform.integrity): changing any stored field of any row breaks that row's link, deleting
or inserting a row breaks the next one, and without the key nobody can recompute the chain to hide it.
Deleting the newest rows leaves no next link to break: anchors (the head printed in each issued report,
`verify-audit --expect-head`) catch that.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import NamedTuple

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from .. import integrity
from .models import GENESIS_HASH, AuditEvent

# Only these detail keys are ever stored: passwords, tokens and free-form request data never are.
ALLOWED_DETAIL_KEYS = frozenset(
    {
        "title",
        "status_from",
        "status_to",
        "fields",
        "username",
        "role",
        "reason",
        "name",
        "count",
        "sha256",
        "filename",
        "version",
        "member",
        "site",
        "before",
        "after",
        "result",
        "size",
        "missing",
    }
)


def chain_for(engagement_id: int | None) -> str:
    return f"engagement:{engagement_id}" if engagement_id else "system"


def canonical_payload(event) -> str:
    payload = {
        "chain": event.chain,
        "seq": event.seq,
        "engagement_id": event.engagement_id,
        "actor_id": event.actor_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "occurred_at": integrity.utc_text(event.occurred_at),
        "ip": event.ip,
        "details": event.details,
    }
    return integrity.canonical_json(payload)


def compute_hash(key: bytes, prev_hash: str, event) -> str:
    return integrity.keyed_hash_text(key, prev_hash + canonical_payload(event))


def lock_chain(session: Session, chain: str) -> None:
    """Serialize appends to one chain before reading its last link; UNIQUE(chain, seq) is the backstop.
    PostgreSQL: a transaction-scoped advisory lock. SQLite: a no-op write takes the database's single
    write lock (waiting up to busy_timeout), so the read that follows sees the newest committed link."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(chain.encode())})
    elif dialect == "sqlite":
        session.execute(text("UPDATE audit_event SET seq = seq WHERE 0"))


def record(
    session: Session,
    *,
    actor,
    action: str,
    obj=None,
    object_type: str | None = None,
    engagement_id: int | None = None,
    ip: str | None = None,
    details: dict | None = None,
    now: datetime | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction (so it commits or rolls back with the change)."""
    details = {k: v for k, v in (details or {}).items() if k in ALLOWED_DETAIL_KEYS}
    chain = chain_for(engagement_id)
    lock_chain(session, chain)
    last_seq, last_hash = chain_head(session, chain)
    event = AuditEvent(
        chain=chain,
        seq=last_seq + 1,
        engagement_id=engagement_id,
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type or (type(obj).__name__ if obj is not None else "system"),
        object_id=str(obj.id) if obj is not None and getattr(obj, "id", None) is not None else None,
        occurred_at=now or datetime.now(timezone.utc),
        ip=ip,
        details=details,
        prev_hash=last_hash,
    )
    event.row_hash = compute_hash(integrity.key_for(session), event.prev_hash, event)
    session.add(event)
    session.flush()
    for listener in _listeners:
        listener(session, event)
    return event


_listeners: list = []


def on_record(listener):
    """Call listener(session, event) after each appended event, in the same transaction. Lets a later stage
    react to edits recorded by earlier ones (reporting returns a report under review when its content
    changes) without the earlier stages importing it."""
    _listeners.append(listener)
    return listener


def chain_head(session: Session, chain: str) -> tuple[int, str]:
    """(seq, row_hash) of the newest link; (0, genesis) for an empty chain."""
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.row_hash)
        .where(AuditEvent.chain == chain)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    return (last.seq, last.row_hash) if last else (0, GENESIS_HASH)


def lock_engagement(session: Session, engagement_id: int) -> None:
    """Serialise writers of one engagement for the rest of this transaction (numbering, idempotency)."""
    lock_chain(session, chain_for(engagement_id))


@dataclass(frozen=True)
class BrokenLink:
    chain: str
    seq: int
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"audit_event id={self.event_id} " if self.event_id else ""
        return f"{where}chain={self.chain} seq={self.seq}: {self.reason}"


@dataclass(frozen=True)
class Anchor:
    """A chain position recorded elsewhere (an issued report, an operator's notebook): `[chain:]seq:hash`."""

    seq: int
    row_hash: str
    chain: str | None = None

    @classmethod
    def parse(cls, text: str) -> Anchor:
        parts = text.strip().split(":")
        if len(parts) < 2:
            raise ValueError(f"anchor must be [CHAIN:]N:HASH, got {text!r}")
        chain, seq, row_hash = ":".join(parts[:-2]) or None, parts[-2], parts[-1].lower()
        if not seq.isdigit() or len(row_hash) != 64 or any(c not in "0123456789abcdef" for c in row_hash):
            raise ValueError(f"anchor must be [CHAIN:]N:HASH with a 64-digit hex hash, got {text!r}")
        return cls(int(seq), row_hash, chain)

    def __str__(self) -> str:
        return f"{self.chain + ':' if self.chain else ''}{self.seq}:{self.row_hash}"


class ChainReport(NamedTuple):
    checked: int
    broken: BrokenLink | None
    heads: dict[str, tuple[int, str]]  # chain → (seq, row_hash) of its newest link


def verify_chains(session: Session, key: bytes | None = None, anchors: tuple[Anchor, ...] = ()) -> ChainReport:
    """Walk every chain in order and check each anchor; the first broken link (or missed anchor) or None."""
    key = key or integrity.key_for(session)
    checked, heads = 0, {}
    rows = session.scalars(select(AuditEvent).order_by(AuditEvent.chain, AuditEvent.seq))
    chain, prev_hash, expected_seq = None, GENESIS_HASH, 1
    for event in rows:
        if event.chain != chain:
            chain, prev_hash, expected_seq = event.chain, GENESIS_HASH, 1
        broken = _check_link(key, event, prev_hash, expected_seq)
        if broken:
            return ChainReport(checked, broken, heads)
        checked += 1
        prev_hash, expected_seq = event.row_hash, event.seq + 1
        heads[chain] = (event.seq, event.row_hash)
    missed = next((m for m in (_check_anchor(session, a, heads) for a in anchors) if m), None)
    return ChainReport(checked, missed, heads)


def _check_link(key: bytes, event: AuditEvent, prev_hash: str, expected_seq: int) -> BrokenLink | None:
    def broken(reason):
        return BrokenLink(event.chain, event.seq, event.id, reason)

    if event.seq != expected_seq:
        return broken(f"sequence gap: expected {expected_seq}")
    if event.prev_hash != prev_hash:
        return broken("prev_hash does not match the previous row")
    if not integrity.same_hash(compute_hash(key, event.prev_hash, event), event.row_hash):
        return broken("row content does not match its keyed hash")
    return None


def _check_anchor(session: Session, anchor: Anchor, heads: dict) -> BrokenLink | None:
    """The anchored link must still be there with the same hash: a shorter or rewritten chain fails."""
    query = select(AuditEvent.chain, AuditEvent.id, AuditEvent.row_hash).where(AuditEvent.seq == anchor.seq)
    if anchor.chain:
        query = query.where(AuditEvent.chain == anchor.chain)
    found = session.execute(query).all()
    if any(integrity.same_hash(row.row_hash, anchor.row_hash) for row in found):
        return None
    chain = anchor.chain or "*"
    if not found or (anchor.chain and anchor.seq > heads.get(anchor.chain, (0, ""))[0]):
        head = heads.get(anchor.chain, (0, ""))[0] if anchor.chain else "?"
        return BrokenLink(
            chain, anchor.seq, None, f"anchored link {anchor} is missing (chain truncated; head is {head})"
        )
    return BrokenLink(chain, anchor.seq, found[0].id, f"link differs from anchor {anchor} (chain rewritten)")
