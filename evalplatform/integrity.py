"""Canonical JSON and keyed hashes (HMAC-SHA-256): the one way the audit chain, sealed rows (responses,
evidence, issued report versions) and report contents are hashed.

The key is held outside the database (AUDIT_KEY, or a file generated once into instance/ with mode 0600),
so someone who can rewrite rows cannot recompute their hashes. See docs/security.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import uuid
import weakref
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from pathlib import Path

import orjson
from sqlalchemy import Numeric, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, attributes

KEY_FILE = "audit_key"
MIN_KEY_CHARS = 32


class AuditKeyError(Exception):
    """The configured key is unusable; the message says what to do."""


class SealedRowIsImmutable(Exception):
    pass


# --- canonical form ----------------------------------------------------------------------------------


def canonical_json(data) -> str:
    """Sorted keys, no whitespace, UTF-8 text as is; anything not JSON-native as its str()."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


# orjson writes the same text as canonical_json for str, int, bool, None, lists, dicts with str keys, and floats
# of 0 or magnitude >= 1e-4 (below that it writes 0.00001 or 1e-7 where Python writes 1e-05, 1e-07); for
# NaN and infinities it writes null. Anything else (a datetime, a Decimal, an Enum, a subclass) is refused
# here and encoded by canonical_json, as are integers beyond 64 bits and keys that are not text (orjson raises).
_ORJSON_CANONICAL = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS
_ORJSON_CANONICAL |= orjson.OPT_PASSTHROUGH_DATACLASS


def canonical_bytes(data) -> bytes:
    """canonical_json(data) encoded as UTF-8, byte for byte, in one orjson pass where orjson writes the same
    text (a few microseconds for a response's answers instead of a few dozen), by canonical_json otherwise."""
    if _same_in_orjson(data):
        try:
            return orjson.dumps(data, default=_not_native, option=_ORJSON_CANONICAL)
        except TypeError:  # orjson.JSONEncodeError: a 65-bit integer, a key that is not text, a lone surrogate
            pass
    return canonical_json(data).encode("utf-8")


def _not_native(value):
    raise TypeError(type(value).__name__)


def _same_in_orjson(value) -> bool:
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return True
    if kind is float:
        return value == 0.0 or 1e-4 <= abs(value) < float("inf")  # NaN compares false: canonical_json's NaN
    if kind is dict:
        items = value.values()
    elif kind is list or kind is tuple:
        items = value
    else:
        return False
    for item in items:
        kind = type(item)
        if not (kind is str or kind is int or kind is bool or item is None) and not _same_in_orjson(item):
            return False
    return True


def sha256_hex(data) -> str:
    """Plain SHA-256 of the canonical JSON: a content digest anyone can recompute (printed in reports)."""
    return hashlib.sha256(canonical_bytes(data)).hexdigest()


def sha256_of_canonical(encoded: bytes) -> str:
    """sha256_hex of a value whose canonical_bytes are already at hand (the survey intake stores them too)."""
    return hashlib.sha256(encoded).hexdigest()


def keyed_hash(key: bytes, data) -> str:
    """HMAC-SHA-256 of the canonical JSON under the installation's key."""
    return hmac.new(key, canonical_bytes(data), hashlib.sha256).hexdigest()


def keyed_hash_text(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def same_hash(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and hmac.compare_digest(a, b)


def utc_text(value: datetime) -> str:
    """UTC, naive, microseconds: what both databases give back for a stored aware datetime."""
    return value.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="microseconds")


def canonical_value(value, scale: int | None = None):
    kind = type(value)
    if kind is str or kind is int or value is None:  # most sealed fields, at once
        return value
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (Decimal, float)) and not isinstance(value, bool):
        number = Decimal(str(value))
        if scale is not None:
            number = number.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
        return format(number.normalize(), "f")
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


# --- the key -----------------------------------------------------------------------------------------


def load_key(instance: Path, configured: str | None = None) -> str:
    """AUDIT_KEY (given or from the environment), else instance/audit_key, generated once with mode 0600."""
    configured = configured or os.environ.get("AUDIT_KEY")
    if configured:
        if len(configured) < MIN_KEY_CHARS:
            raise AuditKeyError(f"AUDIT_KEY 至少需要 {MIN_KEY_CHARS} 个字符（建议 64 个十六进制字符）")
        return configured
    path = instance / KEY_FILE
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process generated it first: use theirs
            pass
        else:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_hex(32))
    key = path.read_text().strip()
    if len(key) < MIN_KEY_CHARS:
        raise AuditKeyError(f"{path} 中的审计密钥不完整，请从备份中恢复该文件或设置 AUDIT_KEY")
    return key


_bound: weakref.WeakKeyDictionary[Engine, bytes] = weakref.WeakKeyDictionary()


def bind_key(engine: Engine, key: str) -> None:
    """The key for everything written through this engine (one per app; tests run several)."""
    _bound[engine] = key.encode("utf-8")


def key_for(bind) -> bytes:
    """The key of the engine behind a session, connection or engine; the installation's default otherwise
    (job workers and migrations make their own engines from the same environment)."""
    if isinstance(bind, Session):
        bind = bind.get_bind()
    engine = getattr(bind, "engine", bind)
    key = _bound.get(engine)
    if key is None:
        from .config import _instance_dir  # config imports this module (load_key) at its top

        key = load_key(_instance_dir()).encode("utf-8")
        _bound[engine] = key
    return key


# --- sealed rows -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seal:
    """What is sealed in a model's rows: `fields` under the keyed hash in `content_mac`, and `digests`
    (digest field → source field) whose plain SHA-256 must match the source's canonical JSON."""

    model: type
    fields: tuple[str, ...]
    digests: tuple[tuple[str, str], ...] = ()

    @cached_property
    def scales(self) -> tuple[tuple[str, int | None], ...]:
        """(field, decimal scale of its column or None), looked up once instead of per row."""
        table = self.model.__table__
        return tuple((name, _scale(table.c[name].type)) for name in self.fields)

    def payload(self, values) -> dict:
        get = values.get if isinstance(values, dict) else (lambda name: getattr(values, name))
        return {name: canonical_value(get(name), scale) for name, scale in self.scales}

    def mac(self, key: bytes, values) -> str:
        return keyed_hash(key, {"table": self.model.__tablename__, **self.payload(values)})


SEALS: dict[type, Seal] = {}


def _scale(column_type) -> int | None:
    return column_type.scale if isinstance(column_type, Numeric) else None


def sealed(*fields: str, digests: dict[str, str] | None = None):
    """Class decorator: rows of this model carry `content_mac` over `fields`, set on insert and never
    changed after (an UPDATE touching a sealed field is refused)."""

    def register(model):
        seal = Seal(model, tuple(fields), tuple((digests or {}).items()))
        SEALS[model] = seal
        event.listen(model, "before_insert", _seal_on_insert)
        event.listen(model, "before_update", _refuse_changes)
        return model

    return register


def seal_values(model: type, bind, values: dict) -> str:
    """The content_mac of a row about to be inserted with Core (the public survey intake)."""
    return SEALS[model].mac(key_for(bind), values)


def _seal_on_insert(_mapper, connection, target) -> None:
    seal = SEALS[type(target)]
    table = seal.model.__table__
    for name in seal.fields:
        column = table.c[name]
        value = getattr(target, name)
        if value is None and column.default is not None:  # apply Python-side defaults now, so the hash sees them
            value = column.default.arg(None) if column.default.is_callable else column.default.arg
        scale = _scale(column.type)
        if scale is not None and value is not None:  # store exactly the value that is hashed
            value = Decimal(canonical_value(value, scale))
        setattr(target, name, value)
    target.content_mac = seal.mac(key_for(connection), target)


def _refuse_changes(_mapper, _connection, target) -> None:
    seal = SEALS[type(target)]
    changed = [n for n in (*seal.fields, "content_mac") if attributes.get_history(target, n).has_changes()]
    if changed:
        raise SealedRowIsImmutable(f"{seal.model.__tablename__} {target.id}: {', '.join(changed)} cannot change")


@dataclass(frozen=True)
class SealProblem:
    table: str
    row_id: int
    reason: str

    def __str__(self) -> str:
        return f"{self.table} id={self.row_id}: {self.reason}"


def verify_sealed(session: Session, key: bytes | None = None) -> tuple[int, list[SealProblem]]:
    """Recompute every sealed row's keyed hash (and its digests); (rows checked, problems)."""
    key = key or key_for(session)
    checked, problems = 0, []
    for seal in SEALS.values():
        columns = [
            seal.model.__table__.c[n]
            for n in dict.fromkeys(("id", "content_mac", *seal.fields, *(s for pair in seal.digests for s in pair)))
        ]
        for row in session.execute(select(*columns).order_by(columns[0])).mappings():
            checked += 1
            problem = _check_row(seal, key, row)
            if problem:
                problems.append(SealProblem(seal.model.__tablename__, row["id"], problem))
    return checked, problems


def _check_row(seal: Seal, key: bytes, row) -> str | None:
    if not same_hash(seal.mac(key, dict(row)), row["content_mac"]):
        return "content does not match its keyed hash (edited outside the application, or another key)"
    for digest, source in seal.digests:
        if row[source] is not None and not same_hash(sha256_hex(row[source]), row[digest]):
            return f"{source} does not match {digest}"
    return None
