"""Survey intake: 30-question responses from 100 concurrent clients through gunicorn + PostgreSQL.

Run: .venv/bin/python bench/intake.py
Every tenth response is posted a second time (a phone retrying after a lost acknowledgement).
lost = responses the server acknowledged that have no row; duplicated = rows beyond one per client UUID
plus rows the server never acknowledged.
"""
from __future__ import annotations

import json
import random
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from _support import QUESTIONS, create_survey, gunicorn, private_postgres, reconcile, survey_answers

SUBMISSIONS, CLIENTS = 1000, 100


def run(database_url: str) -> dict:
    import requests
    token, instrument_id = create_survey(database_url)
    local = threading.local()
    rng = random.Random(7)
    payloads = [{"client_uuid": str(uuid.uuid4()), "answers": survey_answers(rng), "duration_s": rng.randint(60, 900)}
                for _ in range(SUBMISSIONS)]
    accepted, failures, lock = set(), [], threading.Lock()
    with gunicorn(database_url, tempfile.mkdtemp(), workers=3, threads=8) as (base, _process):
        url = f"{base}/s/{token}/responses"

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
    return {"submissions_per_s": SUBMISSIONS / wall, "requests": len(latencies),
            "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": sorted(latencies)[int(len(latencies) * 0.99) - 1] * 1000,
            "lost": counts["lost"], "duplicated": counts["duplicated"],
            "refused": len(failures), "rows": counts["rows"]}


def main() -> None:
    with private_postgres() as url:
        result = run(url)
    print(f"{SUBMISSIONS} responses × {QUESTIONS} questions, {CLIENTS} concurrent clients, every 10th posted twice;"
          " gunicorn -w 3 --threads 8, PostgreSQL")
    print(f"{'figure':<28}{'value':>12}")
    for key in ("submissions_per_s", "p50_ms", "p99_ms", "requests", "rows", "lost", "duplicated", "refused"):
        print(f"{key:<28}{result[key]:>12.1f}" if isinstance(result[key], float) else f"{key:<28}{result[key]:>12}")
    print(json.dumps({"submissions_per_s": round(result["submissions_per_s"], 1), "p99_ms": round(result["p99_ms"], 1),
                      "lost": result["lost"], "duplicated": result["duplicated"], "refused": result["refused"],
                      "clients": CLIENTS, "questions": QUESTIONS}))


if __name__ == "__main__":
    main()
