"""Scaling out (docs/operations.md, "More than one machine"): several app processes — here two gunicorn
servers, no proxy between them and the phones — on one PostgreSQL accept the same submissions idempotently:
retries of one response that land on different hosts, at the same moment, leave one row and are all
acknowledged; other content under a stored UUID is refused by whichever host gets it."""

import json
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from evalplatform.questionnaires.models import Response
from tests.questionnaires.conftest import answers

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(database_url: str, tmp_path: Path, name: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {
        "PATH": str(Path(sys.executable).parent),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "scale-out",
        "STORAGE_DIR": str(tmp_path / "storage"),
        "EVALPLATFORM_INSTANCE": str(tmp_path / name),
        "AUDIT_KEY": "test-audit-key-0123456789abcdef0123456789abcdef",
    }
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-w",
            "2",
            "--threads",
            "4",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "evalplatform:create_app()",
        ],
        cwd=ROOT,
        env=env,
    )
    return process, f"http://127.0.0.1:{port}"


def _wait(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{base} did not come up")


def test_two_hosts_on_one_database_accept_each_response_once(database_url, session, survey, tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("several hosts share one PostgreSQL (SQLite is one machine's file)")
    hosts = [_start(database_url, tmp_path, name) for name in ("host-a", "host-b")]
    try:
        for _process, base in hosts:
            _wait(base)
        token = survey.distribution.token
        payloads = [
            {"client_uuid": str(uuid.uuid4()), "answers": answers(), "device_token": f"d{i}"} for i in range(40)
        ]

        def post(job):
            base, payload = job
            return requests.post(
                f"{base}/s/{token}/responses",
                data=json.dumps(payload),
                headers={"Content-Type": "application/json"},
                timeout=30,
            ).status_code

        # every response posted three times to each host at once: six concurrent copies
        jobs = [(base, payload) for payload in payloads for _ in range(3) for _process, base in hosts]
        with ThreadPoolExecutor(24) as pool:
            statuses = list(pool.map(post, jobs))
        assert set(statuses) == {200}, statuses
        other = dict(payloads[0], answers=answers(sat01="1"))
        assert {post((base, other)) for _process, base in hosts} == {409}
        session.expire_all()
        assert session.scalar(select(func.count(Response.id))) == len(payloads)
        assert session.scalar(select(func.count(func.distinct(Response.client_uuid)))) == len(payloads)
    finally:
        for process, _base in hosts:
            process.terminate()
            process.wait(20)
