"""The survey intake's fast lane on PostgreSQL: the common case of POST /s/<token>/responses — an open
channel without quota or one-per-device rule, valid answers, a client UUID not seen before — without the
ORM session, and written by group commit.

Every request thread of a worker process validates its response itself (the same `validate_answers`,
digest, quality flags and seal as `service.submit_response`), then hands the row to the process's writer
thread and waits. The writer inserts whatever rows are waiting in ONE statement that commits by itself
(INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING RETURNING) and only then wakes each request with
its new row id. So under load one commit carries dozens of responses — PostgreSQL's commit work and the
driver's round trips are paid per batch, not per respondent — while a lone respondent waits for one
statement as before (the writer never waits to fill a batch). Durability is unchanged: no answer is
acknowledged before its commit. Idempotency is unchanged: the unique (instrument, client UUID) still
decides, and anything the lane cannot settle by itself — a UUID already stored, a channel closed or full
meanwhile, a refusal, an error — returns None, and the caller answers through the full path
(`public.submit`), which gives exactly its usual answer (200 for a retry, 409, 410, 422…).
"""

from __future__ import annotations

import contextlib
import functools
import os
import queue
import threading
import uuid
import weakref
from dataclasses import dataclass, field
from datetime import datetime

import orjson
from psycopg.types.json import Jsonb
from sqlalchemy import Engine

from ..db import read_autocommit
from ..instruments.answers import respondent_clock, validate_answers
from ..instruments.schema import AnswerErrors
from ..integrity import canonical_bytes, sha256_of_canonical
from .service import Submission, content_flags, frozen_definition, sealed_row

BATCH_LIMIT = 500  # rows per statement: bounds one statement's parameters, not the wait
IDLE_SECONDS = 5.0  # a writer with nothing to do ends (and returns its connection); the next row starts one
WAIT_SECONDS = 30.0

# The channel's state is checked in the statement itself, against the row's own submitted_at, so a channel
# closed a moment ago refuses here exactly as in the full path; quota and one-per-device channels never
# take this lane (counting and device checks stay in service.submit_response). The duplicate-device flag
# is set by the same rule as service._flags (another response of this channel from this device).
INSERT_BATCH = """
INSERT INTO response (instrument_id, distribution_id, version_id, client_uuid, answers, payload_sha256,
                      device_token, duration_s, submitted_at, quality_flags, content_mac)
SELECT v.instrument_id, v.distribution_id, v.version_id, v.client_uuid, v.answers, v.payload_sha256,
       v.device_token, v.duration_s, v.submitted_at,
       CASE WHEN v.device_token IS NOT NULL AND EXISTS (
                SELECT 1 FROM response r WHERE r.distribution_id = v.distribution_id AND r.device_token = v.device_token)
            THEN v.quality_flags || '["duplicate_device"]'::jsonb ELSE v.quality_flags END,
       v.content_mac
FROM jsonb_to_recordset(%s::jsonb)
     AS v(instrument_id int, distribution_id int, version_id int, client_uuid uuid, answers jsonb,
          payload_sha256 text, device_token text, duration_s int, submitted_at timestamptz, quality_flags jsonb,
          content_mac text)
JOIN distribution d ON d.id = v.distribution_id
WHERE (d.opens_at IS NULL OR d.opens_at <= v.submitted_at) AND (d.closes_at IS NULL OR d.closes_at > v.submitted_at)
  AND d.quota IS NULL AND NOT d.one_per_device
ON CONFLICT (instrument_id, client_uuid) DO NOTHING
RETURNING id, instrument_id, client_uuid
"""


def accept(engine: Engine, token: str, submission: Submission, now: datetime) -> int | None:
    """The new response's id, or None: the full path must answer this one."""
    target = _target(engine, token)
    if target is None:
        return None
    definition = frozen_definition(engine, target[2], functools.partial(read_autocommit, engine))
    if definition is None:
        return None
    row = row_for(engine, target, definition, submission, now)
    return None if row is None else writer_for(engine).write(row)


def row_for(bind, target: tuple[int, int, int], definition: dict, submission: Submission, now: datetime):
    """The response's Row as the full path would store it (validated, flagged, digested, sealed), or None
    when its answers are refused. `target`: (distribution id, instrument id, version id)."""
    distribution_id, instrument_id, version_id = target
    try:
        clean = validate_answers(definition, submission.answers, respondent_clock(submission.clock, now))
    except AnswerErrors:
        return None
    encoded = canonical_bytes(clean)  # once: its SHA-256 is sealed, and it is what the row stores
    values = sealed_row(
        bind,
        (instrument_id, distribution_id, version_id),
        submission.client_uuid,
        clean,
        sha256_of_canonical(encoded),
        device_token=submission.device_token,
        duration_s=submission.duration_s,
        now=now,
        flags=content_flags(definition, clean),
    )
    values["answers"], values["submitted_at"] = orjson.Fragment(encoded), now.isoformat()
    return Row(instrument_id, submission.client_uuid, orjson.dumps(values))


@dataclass(frozen=True)
class Row:
    """A response on its way to the group writer: its key, and its columns as one JSON object (the batch is
    one jsonb parameter that PostgreSQL unpacks: adapting eleven arrays in the driver cost ~0.1 ms a row)."""

    instrument_id: int
    client_uuid: uuid.UUID
    encoded: bytes


# token → (distribution id, instrument id, version id): fixed when the channel is created, never edited.
_targets: weakref.WeakKeyDictionary[Engine, dict[str, tuple[int, int, int]]] = weakref.WeakKeyDictionary()
TARGETS_KEPT = 10_000


def _target(engine: Engine, token: str) -> tuple[int, int, int] | None:
    kept = _targets.setdefault(engine, {})
    found = kept.get(token)
    if found is None and token and len(token) <= 32:
        row = read_autocommit(
            engine, "SELECT id, instrument_id, version_id FROM distribution WHERE token = %s", (token,)
        )
        if row is not None:
            if len(kept) >= TARGETS_KEPT:
                kept.clear()
            found = kept[token] = tuple(row)
    return found


@dataclass
class _Waiting:
    row: Row
    done: threading.Event = field(default_factory=threading.Event)
    new_id: int | None = None


class GroupWriter:
    """One per process and engine: a thread that inserts the rows waiting for it, many per statement."""

    def __init__(self, engine: Engine):
        self.engine, self.pid = engine, os.getpid()
        self.rows: queue.SimpleQueue[_Waiting] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.running = False

    def write(self, row: Row) -> int | None:
        """Blocks until the row is committed (its id) or left to the full path (None)."""
        waiting = _Waiting(row)
        with self.lock:
            self.rows.put(waiting)
            self._ensure_running()
        # A writer stuck past this (a database that stopped answering): the full path takes the request; the
        # unique client UUID keeps the row single whichever insert ends up committing it.
        waiting.done.wait(WAIT_SECONDS)
        return waiting.new_id

    def _ensure_running(self) -> None:  # under self.lock
        if not self.running:
            self.running = True
            threading.Thread(target=self._run, name="intake-writer", daemon=True).start()

    def _run(self) -> None:
        raw = None
        try:
            while (batch := self._next_batch()) is not None:
                if batch and raw is None:
                    raw = self._connect(batch)
                if batch and raw is not None:
                    raw = self._insert(raw, batch)
        finally:
            if raw is not None:
                with contextlib.suppress(Exception):
                    raw.driver_connection.autocommit = False
                    raw.close()  # back to the pool
            with self.lock:  # ended by an error: rows put meanwhile still get a writer
                self.running = False
                if not self.rows.empty():
                    self._ensure_running()

    def _connect(self, batch: list[_Waiting]):
        """A pooled connection in autocommit (the one statement commits by itself); None, and the batch
        left to the full path, when the database cannot be reached."""
        try:
            raw = self.engine.raw_connection()
            raw.driver_connection.autocommit = True
            return raw
        except Exception:  # noqa: BLE001 — the full path answers with its 503
            for waiting in batch:
                waiting.done.set()
            return None

    def _next_batch(self) -> list[_Waiting] | None:
        try:
            batch = [self.rows.get(timeout=IDLE_SECONDS)]
        except queue.Empty:
            with self.lock:  # rows are put under this lock: nothing can arrive between the check and the end
                if self.rows.empty():
                    return None
            return []
        while len(batch) < BATCH_LIMIT:
            try:
                batch.append(self.rows.get_nowait())
            except queue.Empty:
                break
        return batch

    def _insert(self, raw, batch: list[_Waiting]):
        """Insert the batch and wake its requests; the connection to go on with (None after an error)."""
        first: dict[tuple, _Waiting] = {}
        for waiting in batch:  # the same UUID twice in one batch: the second is the full path's to answer
            first.setdefault((waiting.row.instrument_id, waiting.row.client_uuid), waiting)
        try:
            if first:
                rows = b"[" + b",".join(w.row.encoded for w in first.values()) + b"]"
                with raw.driver_connection.cursor() as cursor:
                    cursor.execute(INSERT_BATCH, (Jsonb(rows, dumps=_as_is),))
                    for new_id, instrument_id, client_uuid in cursor.fetchall():
                        first[(instrument_id, client_uuid)].new_id = new_id
        except Exception:  # noqa: BLE001 — the full path retries each row alone and reports its own error
            raw.invalidate()
            raw = None
        finally:
            for waiting in batch:
                waiting.done.set()
        return raw


def _as_is(encoded: bytes) -> bytes:
    return encoded


_writers: weakref.WeakKeyDictionary[Engine, GroupWriter] = weakref.WeakKeyDictionary()
_writers_lock = threading.Lock()


def writer_for(engine: Engine) -> GroupWriter:
    """The writer of this process for this engine (gunicorn forks workers after loading the app: a writer
    made before the fork belongs to the parent, whose thread did not come along)."""
    writer = _writers.get(engine)
    if writer is None or writer.pid != os.getpid():
        with _writers_lock:
            writer = _writers.get(engine)
            if writer is None or writer.pid != os.getpid():
                writer = _writers[engine] = GroupWriter(engine)
    return writer
