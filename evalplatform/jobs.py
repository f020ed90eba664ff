"""Background work: an RQ queue on Redis when REDIS_URL is set, inline in the caller otherwise.

A job is a plain importable function taking JSON-able arguments; it opens its own app and session,
so the same code runs in a web request (inline) and in an `rq worker` process.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Callable

QUEUE_NAME = "evalplatform"


@dataclass(frozen=True)
class JobHandle:
    id: str
    inline: bool
    result: Any = None


def enqueue(config: dict, func: Callable, *args, job_timeout: int = 600, **kwargs) -> JobHandle:
    if not config.get("REDIS_URL"):
        return JobHandle(id=f"inline-{uuid.uuid4().hex}", inline=True, result=func(*args, **kwargs))
    queue = _queue(config["REDIS_URL"])
    job = queue.enqueue(func, *args, job_timeout=job_timeout, **kwargs)
    return JobHandle(id=job.id, inline=False)


def status(config: dict, job_id: str) -> str:
    """queued / started / finished / failed, or finished for inline jobs (they ran already)."""
    if job_id.startswith("inline-") or not config.get("REDIS_URL"):
        return "finished"
    from rq.exceptions import NoSuchJobError  # rq and redis are loaded only where REDIS_URL is set
    from rq.job import Job
    try:
        return Job.fetch(job_id, connection=_queue(config["REDIS_URL"]).connection).get_status(refresh=True).value
    except NoSuchJobError:
        return "unknown"


def _queue(redis_url: str):
    from redis import Redis  # as in status(): loaded only where REDIS_URL is set
    from rq import Queue
    return Queue(QUEUE_NAME, connection=Redis.from_url(redis_url))
