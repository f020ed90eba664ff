"""Append-only, hash-chained audit log (one chain per engagement, one for the system)."""

from .service import Anchor, chain_for, chain_head, lock_engagement, on_record, record, verify_chains

__all__ = ["Anchor", "chain_for", "chain_head", "lock_engagement", "on_record", "record", "verify_chains"]
