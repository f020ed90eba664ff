"""Jobs run inline without Redis and through a real RQ worker with it."""
import subprocess
import sys
import time
import uuid

import pytest
import redis

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
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379: start it with "
                    "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no")
    yield connection
    connection.flushdb()


def test_with_redis_a_worker_runs_the_job(redis_queue, tmp_path):
    marker = tmp_path / f"{uuid.uuid4().hex}.txt"
    handle = jobs.enqueue({"REDIS_URL": REDIS_URL}, "pathlib.Path.write_text", marker, "done")
    assert not handle.inline
    assert jobs.status({"REDIS_URL": REDIS_URL}, handle.id) == "queued"
    subprocess.run([sys.executable, "-m", "rq.cli", "worker", "--burst", "-u", REDIS_URL, jobs.QUEUE_NAME],
                   check=True, capture_output=True, timeout=60)
    deadline = time.monotonic() + 10
    while jobs.status({"REDIS_URL": REDIS_URL}, handle.id) != "finished" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert marker.read_text() == "done"
