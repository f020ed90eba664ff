"""The survey intake's fast lane on PostgreSQL: the common case of POST /s/<token>/responses — an open
channel without quota or one-per-device rule, valid answers, a client UUID not seen before — without the
ORM session, and written by group commit.

Every request thread of a worker process validates its response itself (the same `checker.validate`,
digest, quality flags and seal as `service.submit_response`), then puts the row in its process's GroupWriter
and waits. Whichever request finds no writer at work writes: it inserts whatever rows are waiting in ONE
statement that commits by itself (INSERT … SELECT FROM jsonb_to_recordset(…) ON CONFLICT DO NOTHING
RETURNING) and only then wakes each request with its new row id. So under load one commit carries dozens of
responses — PostgreSQL's commit work and the driver's round trips are paid per batch, not per respondent —
while a lone respondent waits for one statement as before (no one waits to fill a batch). Durability is
unchanged: no answer is acknowledged before its commit. Idempotency is unchanged: the unique (instrument, client UUID) still
decides, and anything the lane cannot settle by itself — a UUID already stored, a channel closed or full
meanwhile, a refusal, an error — returns None, and the caller answers through the full path
(`public.submit`), which gives exactly its usual answer (200 for a retry, 409, 410, 422…).
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import time
import uuid
import weakref
from dataclasses import dataclass
from datetime import datetime

import orjson
from psycopg.types.json import Jsonb
from sqlalchemy import Engine

from ..db import read_autocommit
from ..instruments import checker
from ..instruments.answers import respondent_clock
from ..instruments.schema import AnswerErrors
from ..integrity import canonical_bytes, sha256_of_canonical
from .service import Submission, content_flags, frozen_definition, sealed_row

BATCH_LIMIT = 500  # rows per statement: bounds one statement's parameters, not the wait
WAIT_SECONDS = 30.0
GATHER_SECONDS = 0.001  # the longest a writer waits for its batch to fill up to the size of the one before
GATHER_AFTER_SECONDS = 0.05  # ... and only when that one ended this recently (a burst, not a lone respondent)
KEEP_SECONDS = 1.0  # an idle writer's connection goes back to the pool after this

# The channel's state is checked in the statement itself, against the row's own submitted_at, so a channel
# closed a moment ago refuses here exactly as in the full path; quota and one-per-device channels never
# take this lane (counting and device checks stay in service.submit_response). The duplicate-device flag
# is set by the same rule as service._flags (another response of this channel from this device).
INSERT_BATCH = """
INSERT INTO response (instrument_id, distribution_id, version_id, client_uuid, answers, payload_sha256,
                      device_token, duration_s, submitted_at, quality_flags, content_mac, answers_flat)
SELECT v.instrument_id, v.distribution_id, v.version_id, v.client_uuid, v.answers, v.payload_sha256,
       v.device_token, v.duration_s, v.submitted_at,
       CASE WHEN v.device_token IS NOT NULL AND EXISTS (
                SELECT 1 FROM response r WHERE r.distribution_id = v.distribution_id AND r.device_token = v.device_token)
            THEN v.quality_flags || '["duplicate_device"]'::jsonb ELSE v.quality_flags END,
       v.content_mac, v.answers_flat
FROM jsonb_to_recordset(%s::jsonb)
     AS v(instrument_id int, distribution_id int, version_id int, client_uuid uuid, answers jsonb,
          payload_sha256 text, device_token text, duration_s int, submitted_at timestamptz, quality_flags jsonb,
          content_mac text, answers_flat text)
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
        clean = checker.validate(definition, submission.answers, respondent_clock(submission.clock, now))
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
        definition=definition,
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


class _Waiting:
    """A row in a GroupWriter and its request's wake-up: a bare lock held until the row is settled or the
    writer's role is handed to this request (an Event's condition costs a second wake-up, and those
    were a quarter of the lane's CPU)."""

    __slots__ = ("row", "signal", "new_id", "leads")

    def __init__(self, row: Row):
        self.row, self.new_id, self.leads = row, None, False  # leads: this request's thread is the writer
        self.signal = threading.Lock()
        self.signal.acquire()

    def wake(self) -> None:  # at most once between two waits: the writer settles each row once
        self.signal.release()

    def wait(self, timeout: float) -> bool:
        return self.signal.acquire(timeout=timeout)


class GroupWriter:
    """One per process and engine: the rows waiting to be inserted, and which request thread inserts them.

    Leader-based group commit: the request that finds no writer at work becomes the writer. It inserts every
    row waiting (its own among them) in one statement, wakes their requests, and, if rows came meanwhile,
    hands the role and the connection to the first of them. No thread of its own: a row costs no hand-over
    to another thread and back, only its own wake-up.

    Between batches the writer keeps its connection (in autocommit) for the next writer: checking it out of
    the pool and back for every batch cost a tenth of the intake's rate. A connection idle for KEEP_SECONDS
    goes back to the pool, by a small thread that lives only while one is kept (so a lone respondent, a
    test's engine or a quiet worker does not hold one).

    Under load the request threads come back from a batch together, and the first of them used to write
    alone while the rest formed the next batch: a third of the statements carried one row. So a writer that
    follows a batch by less than GATHER_AFTER_SECONDS first lets its batch fill up to that batch's size, for
    at most GATHER_SECONDS (woken by the row that completes it)."""

    def __init__(self, engine: Engine):
        self.engine, self.pid = engine, os.getpid()
        self.lock = threading.Lock()
        self.waiting: list[_Waiting] = []
        self.writing = False  # a request thread is the writer (or has been handed the role)
        self.raw = None  # the connection the writer role carries from one writer to the next (and keeps, idle)
        self.last_batch, self.last_ended = 0, 0.0  # the size of the previous batch, and when it was settled
        self.gathering: threading.Lock | None = None  # the writer's wake-up while its batch fills
        self.keeper = False  # a thread is watching the kept connection (see _keep)

    def _gather(self) -> None:
        """Let the batch fill up to the previous one's size if that one has just ended (see the class)."""
        with self.lock:
            if len(self.waiting) >= self.last_batch or time.monotonic() - self.last_ended > GATHER_AFTER_SECONDS:
                return
            self.gathering = signal = threading.Lock()
            signal.acquire()
        signal.acquire(timeout=GATHER_SECONDS)
        with self.lock:
            self.gathering = None

    def write(self, row: Row) -> int | None:
        """Blocks until the row is committed (its id) or left to the full path (None)."""
        me = _Waiting(row)
        with self.lock:
            self.waiting.append(me)
            me.leads, self.writing = not self.writing, True
            if self.gathering is not None and len(self.waiting) >= self.last_batch:
                self.gathering.release()  # the batch is as full as the one before: the writer goes on
                self.gathering = None
        if not me.leads and not me.wait(WAIT_SECONDS):
            # A writer stuck past this (a database that stopped answering): the full path takes the request;
            # the unique client UUID keeps the row single whichever insert ends up committing it.
            with self.lock:
                if not me.leads:
                    if me in self.waiting:
                        self.waiting.remove(me)
                    return None
            me.wait(0)  # handed the role as the wait ended: take the wake-up, and the role
        if me.leads:
            self._take_turn()
        return me.new_id

    def _take_turn(self) -> None:
        """Insert what waits (up to BATCH_LIMIT rows: one statement's parameters), then pass the role on."""
        self._gather()
        with self.lock:
            batch, self.waiting = self.waiting[:BATCH_LIMIT], self.waiting[BATCH_LIMIT:]
        raw = None
        try:
            raw = self.raw or self._connect(batch)
            if raw is not None:
                raw = self._insert(raw, batch)
        finally:
            with self.lock:
                self.last_batch, self.last_ended = len(batch), time.monotonic()
                if self.waiting:  # came during the statement: the first of them writes next, on this connection
                    self.raw, following = raw, self.waiting[0]
                    following.leads = True
                    following.wake()
                    raw = None
                else:
                    self.writing, self.raw = False, raw
                    if raw is not None and not self.keeper:
                        self.keeper = True
                        threading.Thread(target=_keep, args=(weakref.ref(self),), daemon=True).start()
                    raw = None

    def _release_idle(self) -> bool:
        """Return the kept connection to the pool if it has been idle for KEEP_SECONDS; False while it is
        kept (in use, or not idle long enough), and then the keeper goes on watching."""
        with self.lock:
            raw = None
            if not self.writing and time.monotonic() - self.last_ended >= KEEP_SECONDS:
                raw, self.raw = self.raw, None
            if self.raw is None and not self.writing:
                self.keeper = False
        if raw is not None:
            _release(raw)
        return not self.keeper

    def _connect(self, batch: list[_Waiting]):
        """A pooled connection in autocommit (the one statement commits by itself); None, and the batch
        left to the full path, when the database cannot be reached."""
        try:
            raw = self.engine.raw_connection()
            raw.driver_connection.autocommit = True
            return raw
        except Exception:  # noqa: BLE001 — the full path answers with its 503
            for waiting in batch:
                waiting.wake()
            return None

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
                waiting.wake()
        return raw


def _keep(writer_ref: weakref.ref) -> None:
    """The keeper of a GroupWriter's idle connection: ends when the connection went back to the pool or the
    writer is gone."""
    while True:
        time.sleep(KEEP_SECONDS / 2)
        writer = writer_ref()
        if writer is None or writer._release_idle():
            return
        del writer  # the writer (and its engine) must be free to go while this sleeps


def _release(raw) -> None:
    try:
        raw.driver_connection.autocommit = False
        raw.close()  # back to the pool
    except Exception:  # noqa: BLE001 — a connection the server dropped meanwhile: the pool forgets it
        with contextlib.suppress(Exception):
            raw.invalidate()


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
