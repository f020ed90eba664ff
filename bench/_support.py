"""Shared by the benchmarks: a private PostgreSQL database and a gunicorn server on loopback."""

from __future__ import annotations

import contextlib
import os
import random
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
def gunicorn(
    database_url: str,
    storage_dir: str,
    workers: int = 4,
    threads: int = 1,
    extra: tuple[str, ...] = (),
    app: str = "evalplatform:create_app()",
):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "STORAGE_DIR": storage_dir,
        "SECRET_KEY": "bench",
        "EVALPLATFORM_INSTANCE": tempfile.mkdtemp(),
    }
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            *extra,
            app,
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base)
        yield base, process
    finally:
        process.terminate()
        process.wait(60)  # graceful: requests still open (keep-alive) may hold a worker for a while


def _wait_until_up(base: str, timeout: float = 120) -> None:
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
    response = http.post(
        f"{base}/login", data={"username": username, "password": password, "csrf_token": token}, allow_redirects=False
    )
    assert response.status_code == 302, response.text[:300]
    return http


def csrf_from(http, url: str) -> str:
    return CSRF_RE.search(http.get(url).text).group(1)


# --- the benchmark survey (bench/intake.py, bench/load.py) -------------------------------------------------
QUESTIONS = 30


def survey_definition() -> dict:
    questions = [
        {
            "code": "gender",
            "type": "single_choice",
            "label": "性别",
            "required": True,
            "choices": [{"code": "1", "label": "男"}, {"code": "2", "label": "女"}],
        },
        {"code": "age", "type": "integer", "label": "年龄", "min": 10, "max": 110, "required": True},
        {
            "code": "aware",
            "type": "single_choice",
            "label": "是否了解",
            "required": True,
            "choices": [{"code": "1", "label": "是"}, {"code": "2", "label": "否"}],
        },
    ]
    questions += [
        {
            "code": f"sat{i:02d}",
            "type": "satisfaction",
            "label": f"满意度第{i}项",
            "required": True,
            "relevant": "${aware} = '1'",
        }
        for i in range(1, 25)
    ]
    questions += [
        {
            "code": "uses",
            "type": "multiple_choice",
            "label": "出行方式",
            "choices": [{"code": c, "label": c} for c in ("bus", "walk", "car", "bike")],
        },
        {"code": "minutes", "type": "decimal", "label": "单程分钟", "constraint": ". > 0"},
        {"code": "advice", "type": "text", "label": "建议", "max_length": 500},
    ]
    assert len(questions) == QUESTIONS
    return {"title": "基准问卷", "sections": [{"code": "s1", "title": "", "questions": questions}]}


def survey_answers(rng: random.Random) -> dict:
    values = {
        "gender": rng.choice("12"),
        "age": rng.randint(18, 90),
        "aware": "1",
        "uses": sorted(rng.sample(["bus", "walk", "car", "bike"], 2)),
        "minutes": round(rng.uniform(5, 90), 1),
        "advice": "希望加强道路养护" * rng.randint(1, 5),
    }
    values.update({f"sat{i:02d}": rng.choice(["5", "4", "4", "3", "2", "dk"]) for i in range(1, 25)})
    return values


def create_survey(database_url: str) -> tuple[str, int]:
    """A world with one 30-question instrument and an open distribution: (token, instrument_id)."""
    survey = create_survey_world(database_url)
    return survey["token"], survey["instrument_id"]


def create_survey_world(database_url: str) -> dict:
    """As create_survey, with the engagement id and the evaluator's username (tests log in as them)."""
    from sqlalchemy.orm import Session

    from evalplatform.instruments import service as instruments
    from evalplatform.questionnaires import service
    from tests import factories

    engine = create_engine(database_url)
    with Session(engine) as session:
        world = factories.World(session)
        instrument = instruments.create_instrument(
            session, world.engagement, world.evaluator, factories.NOW, survey_definition()
        )
        distribution = service.create_distribution(
            session, instrument, world.evaluator, factories.NOW, service.DistributionFields(name="基准", stratum="全体")
        )
        session.commit()
        result = {
            "token": distribution.token,
            "instrument_id": instrument.id,
            "engagement_id": world.engagement.id,
            "evaluator": world.evaluator.username,
        }
    engine.dispose()
    return result


def reconcile(database_url: str, instrument_id: int, accepted: set[str], in_flight: int = 0) -> dict:
    """lost = acknowledged UUIDs without a row; duplicated = rows beyond one per UUID, plus rows never
    acknowledged beyond `in_flight` (requests a load generator abandoned when it stopped: stored, unanswered)."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from evalplatform.questionnaires.models import Response

    engine = create_engine(database_url)
    with Session(engine) as session:
        rows = [
            str(u) for u in session.scalars(select(Response.client_uuid).where(Response.instrument_id == instrument_id))
        ]
        total = session.scalar(select(func.count(Response.id)).where(Response.instrument_id == instrument_id))
    engine.dispose()
    stored, accepted = set(rows), {str(uuid.UUID(u)) for u in accepted}
    unacknowledged = len(stored - accepted)
    return {
        "rows": total,
        "accepted": len(accepted),
        "lost": len(accepted - stored),
        "unacknowledged": unacknowledged,
        "duplicated": (total - len(stored)) + max(0, unacknowledged - in_flight),
    }


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(fraction * len(ordered))) - 1))]
