"""Survey intake: 30-question responses from 100 concurrent clients through gunicorn + PostgreSQL.

Run: .venv/bin/python bench/intake.py
Every tenth response is posted a second time (a phone retrying after a lost acknowledgement).
lost = responses the server acknowledged that have no row; duplicated = rows beyond one per client UUID
plus rows the server never acknowledged.
page_kb = what a respondent's phone downloads for the survey page: the HTML, every script and stylesheet it
names and the service worker (uncompressed, KiB; budget 100). page_queries = SQL statements of one GET of the
page once the definition is cached (budget 2), counted in-process on the same database.
"""

from __future__ import annotations

import json
import random
import re
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from _support import QUESTIONS, create_survey, gunicorn, private_postgres, reconcile, survey_answers

SUBMISSIONS, CLIENTS = 1000, 100
ASSET_RE = re.compile(r'<(?:script[^>]*\bsrc|link[^>]*\bhref)="([^"]+)"')
WORKER_RE = re.compile(r'data-worker="([^"]+)"')


def page_weight(base: str, token: str) -> float:
    """KiB of the respondent page, its scripts and stylesheets, and its service worker."""
    import requests

    html = requests.get(f"{base}/s/{token}", timeout=30)
    assert html.status_code == 200, html.status_code
    urls = ASSET_RE.findall(html.text) + WORKER_RE.findall(html.text)
    assert len(urls) >= 4, urls  # expr.js, respond.js, respond.css, sw.js
    return (len(html.content) + sum(len(requests.get(f"{base}{u}", timeout=30).content) for u in urls)) / 1024


def page_queries(database_url: str, token: str) -> int:
    """Statements of one GET /s/<token> after a first GET has cached the frozen definition."""
    import tempfile as _tempfile

    from sqlalchemy import event

    from evalplatform import create_app

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench", "STORAGE_DIR": _tempfile.mkdtemp()})
    client = app.test_client()
    assert client.get(f"/s/{token}").status_code == 200
    statements = []
    engine = app.extensions["evalplatform.db"].engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(f"/s/{token}").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def run(database_url: str) -> dict:
    import requests

    token, instrument_id = create_survey(database_url)
    local = threading.local()
    rng = random.Random(7)
    payloads = [
        {"client_uuid": str(uuid.uuid4()), "answers": survey_answers(rng), "duration_s": rng.randint(60, 900)}
        for _ in range(SUBMISSIONS)
    ]
    accepted, failures, lock = set(), [], threading.Lock()
    with gunicorn(database_url, tempfile.mkdtemp(), workers=3, threads=8) as (base, _process):
        url = f"{base}/s/{token}/responses"
        kib = page_weight(base, token)

        def send(n):
            http = getattr(local, "http", None) or requests.Session()
            local.http = http
            body = json.dumps(payloads[n])
            latencies = []
            for _attempt in range(2 if n % 10 == 0 else 1):
                start = time.perf_counter()
                response = http.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=60)
                latencies.append(time.perf_counter() - start)
                with lock:
                    if response.status_code == 200:
                        accepted.add(payloads[n]["client_uuid"])
                    else:
                        failures.append(response.status_code)
            return latencies

        start = time.perf_counter()
        with ThreadPoolExecutor(CLIENTS) as pool:
            latencies = [x for batch in pool.map(send, range(SUBMISSIONS)) for x in batch]
        wall = time.perf_counter() - start
    counts = reconcile(database_url, instrument_id, accepted)
    return {
        "submissions_per_s": SUBMISSIONS / wall,
        "requests": len(latencies),
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": sorted(latencies)[int(len(latencies) * 0.99) - 1] * 1000,
        "lost": counts["lost"],
        "duplicated": counts["duplicated"],
        "refused": len(failures),
        "rows": counts["rows"],
        "page_kb": kib,
        "page_queries": page_queries(database_url, token),
    }


def main() -> None:
    with private_postgres() as url:
        result = run(url)
    print(
        f"{SUBMISSIONS} responses × {QUESTIONS} questions, {CLIENTS} concurrent clients, every 10th posted twice;"
        " gunicorn -w 3 --threads 8, PostgreSQL"
    )
    print(f"{'figure':<28}{'value':>12}")
    for key in (
        "submissions_per_s",
        "p50_ms",
        "p99_ms",
        "requests",
        "rows",
        "lost",
        "duplicated",
        "refused",
        "page_kb",
        "page_queries",
    ):
        print(f"{key:<28}{result[key]:>12.1f}" if isinstance(result[key], float) else f"{key:<28}{result[key]:>12}")
    print(
        json.dumps(
            {
                "submissions_per_s": round(result["submissions_per_s"], 1),
                "p99_ms": round(result["p99_ms"], 1),
                "lost": result["lost"],
                "duplicated": result["duplicated"],
                "refused": result["refused"],
                "clients": CLIENTS,
                "questions": QUESTIONS,
                "page_kb": round(result["page_kb"], 1),
                "page_queries": result["page_queries"],
            }
        )
    )


if __name__ == "__main__":
    main()
