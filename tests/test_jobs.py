"""Jobs run inline without Redis and through a real RQ worker with it."""

import subprocess
import sys
import time
import uuid

import pytest
import redis
import rq

from evalplatform import jobs

REDIS_URL = "redis://127.0.0.1:6379/15"


def add(a, b):
    return a + b


def test_without_redis_a_job_runs_inline():
    handle = jobs.enqueue({"REDIS_URL": None}, add, 2, 3)
    assert handle.inline and handle.result == 5
    assert jobs.status({"REDIS_URL": None}, handle.id) == "finished"


@pytest.fixture
def redis_queue():
    """A queue of this test's own: parallel test workers and other runs share the Redis server."""
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.ConnectionError:
        pytest.fail(
            "Redis is not running on 127.0.0.1:6379: start it with "
            "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no"
        )
    name = f"test-{uuid.uuid4().hex}"
    yield name
    rq.Queue(name, connection=connection).delete(delete_jobs=True)


def run_worker_until_empty(queue: str, timeout: int) -> None:
    subprocess.run(
        [sys.executable, "-m", "rq.cli", "worker", "--burst", "-w", "evalplatform.jobs.Worker", "-u", REDIS_URL, queue],
        check=True,
        capture_output=True,
        timeout=timeout,
    )


def test_with_redis_a_worker_runs_the_job(redis_queue, tmp_path):
    marker = tmp_path / f"{uuid.uuid4().hex}.txt"
    config = {"REDIS_URL": REDIS_URL, "JOB_QUEUE": redis_queue}
    handle = jobs.enqueue(config, "pathlib.Path.write_text", marker, "done")
    assert not handle.inline
    assert jobs.status(config, handle.id) == "queued"
    run_worker_until_empty(redis_queue, timeout=60)
    deadline = time.monotonic() + 10
    while jobs.status(config, handle.id) != "finished" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert marker.read_text() == "done"
