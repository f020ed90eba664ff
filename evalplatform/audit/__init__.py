"""Append-only, hash-chained audit log (one chain per engagement, one for the system)."""
from .service import lock_engagement, record, verify_chains

__all__ = ["lock_engagement", "record", "verify_chains"]
