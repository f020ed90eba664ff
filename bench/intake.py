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

from _support import gunicorn, private_postgres
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from evalplatform.instruments import service as instruments
from evalplatform.questionnaires import service
from evalplatform.questionnaires.models import Response
from tests import factories

SUBMISSIONS, CLIENTS, QUESTIONS = 1000, 100, 30


def definition() -> dict:
    questions = [{"code": "gender", "type": "single_choice", "label": "性别", "required": True,
                  "choices": [{"code": "1", "label": "男"}, {"code": "2", "label": "女"}]},
                 {"code": "age", "type": "integer", "label": "年龄", "min": 10, "max": 110, "required": True},
                 {"code": "aware", "type": "single_choice", "label": "是否了解", "required": True,
                  "choices": [{"code": "1", "label": "是"}, {"code": "2", "label": "否"}]}]
    questions += [{"code": f"sat{i:02d}", "type": "satisfaction", "label": f"满意度第{i}项", "required": True,
                   "relevant": "${aware} = '1'"} for i in range(1, 25)]
    questions += [{"code": "uses", "type": "multiple_choice", "label": "出行方式",
                   "choices": [{"code": c, "label": c} for c in ("bus", "walk", "car", "bike")]},
                  {"code": "minutes", "type": "decimal", "label": "单程分钟", "constraint": ". > 0"},
                  {"code": "advice", "type": "text", "label": "建议", "max_length": 500}]
    assert len(questions) == QUESTIONS
    return {"title": "基准问卷", "sections": [{"code": "s1", "title": "", "questions": questions}]}


def answers(rng: random.Random) -> dict:
    values = {"gender": rng.choice("12"), "age": rng.randint(18, 90), "aware": "1",
              "uses": sorted(rng.sample(["bus", "walk", "car", "bike"], 2)), "minutes": round(rng.uniform(5, 90), 1),
              "advice": "希望加强道路养护" * rng.randint(1, 5)}
    values.update({f"sat{i:02d}": rng.choice(["5", "4", "4", "3", "2", "dk"]) for i in range(1, 25)})
    return values


def run(database_url: str) -> dict:
    import requests
    engine = create_engine(database_url)
    with Session(engine) as session:
        world = factories.World(session)
        instrument = instruments.create_instrument(session, world.engagement, world.evaluator, factories.NOW, definition())
        distribution = service.create_distribution(session, instrument, world.evaluator, factories.NOW,
                                                   service.DistributionFields(name="基准", stratum="全体"))
        session.commit()
        token, instrument_id = distribution.token, instrument.id
    local = threading.local()
    rng = random.Random(7)
    payloads = [{"client_uuid": str(uuid.uuid4()), "answers": answers(rng), "duration_s": rng.randint(60, 900)}
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
    with Session(engine) as session:
        rows = [str(u) for u in session.scalars(select(Response.client_uuid).where(Response.instrument_id == instrument_id))]
        total = session.scalar(select(func.count(Response.id)))
    engine.dispose()
    stored = set(rows)
    return {"submissions_per_s": SUBMISSIONS / wall, "requests": len(latencies),
            "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": sorted(latencies)[int(len(latencies) * 0.99) - 1] * 1000,
            "lost": len(accepted - stored), "duplicated": (total - len(stored)) + len(stored - accepted),
            "refused": len(failures), "rows": total}


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
