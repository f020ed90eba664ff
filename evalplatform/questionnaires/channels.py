"""The channel rows the survey page's fast path (evalplatform.fastpath) answers from, kept briefly per process.

A phone opening the survey link costs a read of its channel's row (its state: open, closed, quota); under load
that read was most of the page's work. So each process keeps a row for at most ROW_SECONDS. The state is
still decided per request from the kept row and the request's own time, so a channel that closes at a set
time closes on time; what the bound delays is an edit: a channel closed or changed by an evaluator on another
process or host serves its open page for at most ROW_SECONDS more (one second). A change committed through
this process's ORM (service.close_distribution, the evaluator's pages) makes every kept row stale at once.
Submissions are not affected: the intake checks the channel's state in its own statement (intake.py).
"""

from __future__ import annotations

import time

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, object_session

from ..db import read_autocommit
from .models import Distribution

ROW_SECONDS = 1.0
ROWS_KEPT = 10_000
# What the survey page shows of its channel (respond.html), and its state; quota channels take the full path.
PAGE_ROW = (
    "SELECT version_id, sponsor, contact, one_per_device, opens_at, closes_at, quota FROM distribution WHERE token = %s"
)
_CHANGED = "evalplatform.channels_changed"
_commits = [0]  # commits of this process that changed a distribution: rows kept before them are stale


class ChannelRows:
    """token → the row of PAGE_ROW (None: no such channel), read at most once per ROW_SECONDS."""

    def __init__(self, engine: Engine, seconds: float = ROW_SECONDS, clock=time.monotonic):
        self.engine, self.seconds, self.clock = engine, seconds, clock
        self.kept: dict[str, tuple[float, int, tuple | None]] = {}

    def get(self, token: str) -> tuple | None:
        now = self.clock()
        kept = self.kept.get(token)
        if kept is not None and now < kept[0] and kept[1] == _commits[0]:
            return kept[2]
        seen = _commits[0]  # taken before the read: a commit during it leaves this entry stale
        row = read_autocommit(self.engine, PAGE_ROW, (token,))
        if len(self.kept) >= ROWS_KEPT:
            self.kept.clear()
        self.kept[token] = (now + self.seconds, seen, row)
        return row


@event.listens_for(Distribution, "after_insert")
@event.listens_for(Distribution, "after_update")
@event.listens_for(Distribution, "after_delete")
def _changed(_mapper, _connection, distribution) -> None:
    session = object_session(distribution)
    if session is not None:
        session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        _commits[0] += 1


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_CHANGED, None)
