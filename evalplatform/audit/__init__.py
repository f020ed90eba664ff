"""Append-only, hash-chained audit log (one chain per engagement, one for the system)."""
from .service import record, verify_chains

__all__ = ["record", "verify_chains"]
