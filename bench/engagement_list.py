"""Engagement list with 1,000 engagements: median page time and queries per page, SQLite and PostgreSQL.

Run: .venv/bin/python bench/engagement_list.py   (PostgreSQL part uses EVALPLATFORM_BENCH_POSTGRES_URL,
default postgresql+psycopg://postgres@127.0.0.1:5432/test, in a private database it creates and drops)
"""

from __future__ import annotations

import json
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from evalplatform import create_app  # noqa: E402
from evalplatform.migrate import upgrade  # noqa: E402
from tests import factories  # noqa: E402

N_ENGAGEMENTS, RUNS = 1000, 60
PG_URL = os.environ.get("EVALPLATFORM_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def measure(url: str) -> dict:
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "STORAGE_DIR": tempfile.mkdtemp()})
    engine = app.extensions["evalplatform.db"].engine
    with Session(engine, expire_on_commit=False) as session:
        world = factories.World(session)
        for n in range(N_ENGAGEMENTS - 1):
            factories.engagement(session, world.evaluator, world.bureau, title=f"项目{n}")
        session.commit()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post(
        "/login", data={"username": world.evaluator.username, "password": factories.PASSWORD, "csrf_token": token}
    )
    queries = {"n": 0}
    event.listen(engine, "before_cursor_execute", lambda *a: queries.__setitem__("n", queries["n"] + 1))
    timings = {"list": [], "search": [], "healthz": []}
    list_queries = []
    for _ in range(RUNS):
        for name, path in [
            ("list", "/engagements?page=7"),
            ("search", "/engagements?q=项目12"),
            ("healthz", "/healthz"),
        ]:
            before, start = queries["n"], time.perf_counter()
            assert client.get(path).status_code == 200
            timings[name].append((time.perf_counter() - start) * 1000)
            if name == "list":
                list_queries.append(queries["n"] - before)
    per_request = max(list_queries)
    engine.dispose()
    return {name: statistics.median(values) for name, values in timings.items()} | {"queries": per_request}


def main() -> None:
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = measure(f"sqlite:///{tmp}/bench.db")
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"evalplatform_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        results["postgresql"] = measure(make_url(PG_URL).set(database=name).render_as_string(False))
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(f"{'backend':<12}{'list p50 ms':>14}{'search p50 ms':>16}{'/healthz p50 ms':>18}{'list queries':>14}")
    for backend, r in results.items():
        print(f"{backend:<12}{r['list']:>14.2f}{r['search']:>16.2f}{r['healthz']:>18.2f}{r['queries']:>14.2f}")
    figures = {
        f"{b}_{k}_ms" if k != "queries" else f"{b}_list_queries": round(v, 2)
        for b, r in results.items()
        for k, v in r.items()
    }
    figures["engagements"] = N_ENGAGEMENTS
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
