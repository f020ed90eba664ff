"""Background work: an RQ queue on Redis when REDIS_URL is set, inline in the caller otherwise.

A job is a plain importable function taking JSON-able arguments; it opens its own app and session,
so the same code runs in a web request (inline) and in an `rq worker` process.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from typing import Any, Callable

QUEUE_NAME = "evalplatform"  # the default; JOB_QUEUE in the config names another (tests run their own)


@dataclass(frozen=True)
class JobHandle:
    id: str
    inline: bool
    result: Any = None


def enqueue(config: dict, func: Callable, *args, job_timeout: int = 600, **kwargs) -> JobHandle:
    if not config.get("REDIS_URL"):
        return JobHandle(id=f"inline-{uuid.uuid4().hex}", inline=True, result=func(*args, **kwargs))
    queue = _queue(config)
    job = queue.enqueue(func, *args, job_timeout=job_timeout, **kwargs)
    return JobHandle(id=job.id, inline=False)


def status(config: dict, job_id: str) -> str:
    """queued / started / finished / failed, or finished for inline jobs (they ran already)."""
    if job_id.startswith("inline-") or not config.get("REDIS_URL"):
        return "finished"
    from rq.exceptions import NoSuchJobError  # rq and redis are loaded only where REDIS_URL is set
    from rq.job import Job

    try:
        return Job.fetch(job_id, connection=_queue(config).connection).get_status(refresh=True).value
    except NoSuchJobError:
        return "unknown"


def _queue(config: dict):
    from redis import Redis
    from rq import Queue

    return Queue(config.get("JOB_QUEUE") or QUEUE_NAME, connection=Redis.from_url(config["REDIS_URL"]))


@functools.cache
def _worker_class():
    from rq import Worker as RQWorker

    class Worker(RQWorker):
        """rq's worker with a pubsub thread that wakes every second: rq 3 blocks it for up to 60 s in a read that
        its unsubscribe does not always interrupt, so a worker asked to stop (or a burst worker done) could hang
        that long on exit (rq/rq#1613). Run workers with `rq worker -w evalplatform.jobs.Worker`."""

        def subscribe(self):
            self.pubsub = self.connection.pubsub()
            self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
            self.pubsub_thread = self.pubsub.run_in_thread(
                sleep_time=1, daemon=True, exception_handler=self._pubsub_exception_handler
            )

    return Worker


def __getattr__(name: str):
    # rq is imported only where a worker runs, not by every web process that enqueues nothing.
    if name == "Worker":
        return _worker_class()
    raise AttributeError(name)
