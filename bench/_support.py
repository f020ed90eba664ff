"""Shared by the benchmarks: a private PostgreSQL database and a gunicorn server on loopback."""
from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

PG_URL = os.environ.get("EVALPLATFORM_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@contextlib.contextmanager
def private_postgres():
    """A fresh database migrated to head; dropped afterwards."""
    from evalplatform.migrate import upgrade
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"evalplatform_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(database_url: str, storage_dir: str, workers: int = 4, threads: int = 1):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "STORAGE_DIR": storage_dir, "SECRET_KEY": "bench",
           "EVALPLATFORM_INSTANCE": tempfile.mkdtemp()}
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-w", str(workers), "--threads", str(threads), "-b",
         f"127.0.0.1:{port}", "--log-level", "warning", "evalplatform:create_app()"],
        cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base)
        yield base, process
    finally:
        process.terminate()
        process.wait(20)


def _wait_until_up(base: str, timeout: float = 30) -> None:
    import requests
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # A worker still importing answers slowly on a loaded machine: keep waiting rather than fail.
        with contextlib.suppress(requests.ConnectionError, requests.Timeout):
            if requests.get(f"{base}/healthz", timeout=2).ok:
                return
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not come up")


def logged_in_session(base: str, username: str, password: str):
    import requests
    http = requests.Session()
    token = CSRF_RE.search(http.get(f"{base}/login").text).group(1)
    response = http.post(f"{base}/login", data={"username": username, "password": password, "csrf_token": token},
                         allow_redirects=False)
    assert response.status_code == 302, response.text[:300]
    return http


def csrf_from(http, url: str) -> str:
    return CSRF_RE.search(http.get(url).text).group(1)
