"""Load: up to 300 virtual respondents against gunicorn + PostgreSQL on loopback, with reconciliation.

Run: .venv/bin/python bench/load.py [--duration 60] [--vus 300] [--workers 4] [--threads 8]

Three phases against the same server, in one run:
1. ceiling  — closed loop (no think time), CLOSED_CLIENTS clients hammering GET /healthz (a constant):
              the framework ceiling in requests/s.
2. capacity — the same clients, no think time, each POSTing fresh 30-question responses:
              submissions/s the intake path sustains. ratio = capacity / ceiling. Phases 1 and 2 alternate
              --rounds times; the medians are quoted.
3. respondents — --vus virtual respondents, ramped up over the first quarter of --duration and then held:
              each one GETs the survey page, thinks (--think seconds, uniform), POSTs its response, and starts
              again as a new respondent; every tenth respondent posts each response twice (a retry after a
              lost acknowledgement). POST latency percentiles are measured here.
Every response of phases 2 and 3 is reconciled with the database: lost = acknowledged client UUIDs without a
row; duplicated = rows beyond one per UUID plus rows never acknowledged.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import threading
import time
import uuid

from _support import create_survey, gunicorn, percentile, private_postgres, reconcile, survey_answers

CLOSED_CLIENTS = 16
HEADERS = {"Content-Type": "application/json"}


class Tally:
    """Thread-safe counters shared by the clients of one phase."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.submissions = 0
        self.errors: dict[str, int] = {}
        self.post_latencies: list[float] = []
        self.accepted: set[str] = set()

    def error(self, what: str) -> None:
        with self.lock:
            self.errors[what] = self.errors.get(what, 0) + 1

    def post(self, http, url: str, payload: dict, body: str) -> None:
        import requests
        start = time.perf_counter()
        try:
            response = http.post(url, data=body, headers=HEADERS, timeout=30)
        except requests.RequestException as error:
            self.error(type(error).__name__)
            return
        elapsed = time.perf_counter() - start
        with self.lock:
            self.requests += 1
            self.post_latencies.append(elapsed)
            if response.status_code == 200:
                if payload["client_uuid"] not in self.accepted:
                    self.submissions += 1
                self.accepted.add(payload["client_uuid"])
            else:
                self.errors[f"POST {response.status_code}"] = self.errors.get(f"POST {response.status_code}", 0) + 1


def new_payload(rng: random.Random) -> tuple[dict, str]:
    payload = {"client_uuid": str(uuid.uuid4()), "answers": survey_answers(rng), "duration_s": rng.randint(60, 900)}
    return payload, json.dumps(payload)


def closed_loop(seconds: float, work) -> float:
    """Run `work(http, rng)` in CLOSED_CLIENTS threads for `seconds`; returns the wall time."""
    import requests
    stop = time.monotonic() + seconds

    def client(n):
        http, rng = requests.Session(), random.Random(n)
        while time.monotonic() < stop:
            work(http, rng)
        http.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLOSED_CLIENTS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start


def ceiling(base: str, seconds: float) -> float:
    tally = Tally()

    def work(http, _rng):
        response = http.get(f"{base}/healthz", timeout=30)
        with tally.lock:
            tally.requests += response.status_code == 200

    wall = closed_loop(seconds, work)
    return tally.requests / wall


def capacity(base: str, token: str, seconds: float, tally: Tally) -> float:
    url = f"{base}/s/{token}/responses"
    before = tally.submissions

    def work(http, rng):
        payload, body = new_payload(rng)
        tally.post(http, url, payload, body)

    wall = closed_loop(seconds, work)
    return (tally.submissions - before) / wall


def respondents(base: str, token: str, vus: int, seconds: float, think: tuple[float, float], tally: Tally) -> dict:
    import requests
    page, url = f"{base}/s/{token}", f"{base}/s/{token}/responses"
    ramp = seconds / 4
    start = time.monotonic()
    stop = start + seconds

    def respondent(n):
        time.sleep(ramp * n / vus)  # linear ramp-up
        http, rng = requests.Session(), random.Random(1000 + n)
        retries = n % 10 == 0
        while time.monotonic() < stop:
            try:
                response = http.get(page, timeout=30)
            except requests.RequestException as error:
                tally.error(type(error).__name__)
                continue
            with tally.lock:
                tally.requests += 1
            if response.status_code != 200:
                tally.error(f"GET {response.status_code}")
            time.sleep(rng.uniform(*think))
            payload, body = new_payload(rng)
            for _attempt in range(2 if retries else 1):
                tally.post(http, url, payload, body)
        http.close()

    threads = [threading.Thread(target=respondent, args=(n,), daemon=True) for n in range(vus)]
    requests_before, submissions_before = tally.requests, tally.submissions
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - start
    return {"rps": (tally.requests - requests_before) / wall,
            "submissions_per_s": (tally.submissions - submissions_before) / wall, "wall_s": wall}


def run(database_url: str, args) -> dict:
    token, instrument_id = create_survey(database_url)
    tally = Tally()
    # Keep-alive longer than the think time, as a reverse proxy in front would: otherwise a respondent's
    # idle connection may be closed just as it sends, a client-side race that is not the server's error.
    keep_alive = ("--keep-alive", str(int(args.think_max) + 5))
    with gunicorn(database_url, tempfile.mkdtemp(), workers=args.workers, threads=args.threads,
                  extra=keep_alive) as (base, _process):
        ceiling(base, 2)  # warm every worker up, on both paths (statement caches, prepared statements,
        capacity(base, token, 2, tally)  # the frozen definition): the first round is then not a cold one
        # Alternate the two closed-loop phases and take medians: a burst of other work on the machine then
        # moves one round, not the figure.
        rounds = [(ceiling(base, args.closed), capacity(base, token, args.closed, tally)) for _ in range(args.rounds)]
        ceiling_rps = statistics.median(c for c, _ in rounds)
        capacity_sps = statistics.median(s for _, s in rounds)
        ratio = statistics.median(s / c for c, s in rounds)
        capacity_posts = len(tally.post_latencies)
        vu = respondents(base, token, args.vus, args.duration, (args.think_min, args.think_max), tally)
    posts = tally.post_latencies[capacity_posts:]  # latencies under the respondents' load only
    counts = reconcile(database_url, instrument_id, tally.accepted)
    return {"submissions_per_s": capacity_sps, "ceiling_rps": ceiling_rps, "ratio": ratio,
            "rounds": rounds,
            "vu_requests_per_s": vu["rps"], "vu_submissions_per_s": vu["submissions_per_s"],
            "p50_post_ms": percentile(posts, 0.50) * 1000, "p95_post_ms": percentile(posts, 0.95) * 1000,
            "p99_post_ms": percentile(posts, 0.99) * 1000, "posts": len(posts),
            "errors": sum(tally.errors.values()), "error_kinds": tally.errors,
            "accepted": len(tally.accepted), "rows": counts["rows"], "lost": counts["lost"],
            "duplicated": counts["duplicated"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60, help="seconds of the respondents' phase (default 60)")
    parser.add_argument("--closed", type=float, default=10, help="seconds of each closed-loop phase (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="ceiling/capacity rounds, medians quoted (default 3)")
    parser.add_argument("--vus", type=int, default=300)
    parser.add_argument("--think-min", type=float, default=2.0)
    parser.add_argument("--think-max", type=float, default=8.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    with private_postgres() as url:
        result = run(url, args)
    print(f"gunicorn -w {args.workers} --threads {args.threads}, PostgreSQL, loopback; {args.vus} respondents "
          f"(think {args.think_min:g}–{args.think_max:g} s, 10 % retry every POST) for {args.duration:g} s; "
          f"ceiling and capacity: {CLOSED_CLIENTS} closed-loop clients for {args.closed:g} s each, "
          f"{args.rounds} alternating rounds (medians)")
    print(f"{'figure':<34}{'value':>12}")
    for key in ("ceiling_rps", "submissions_per_s", "ratio", "vu_requests_per_s", "vu_submissions_per_s",
                "p50_post_ms", "p95_post_ms", "p99_post_ms", "posts", "accepted", "rows", "errors", "lost",
                "duplicated"):
        value = result[key]
        print(f"{key:<34}{value:>12.2f}" if isinstance(value, float) else f"{key:<34}{value:>12}")
    print("rounds (ceiling rps / submissions/s = ratio):",
          "; ".join(f"{c:.0f} / {s:.0f} = {s / c:.2f}" for c, s in result["rounds"]))
    if result["error_kinds"]:
        print("errors by kind:", result["error_kinds"])
    print(json.dumps({key: round(result[key], 3) if isinstance(result[key], float) else result[key]
                      for key in ("submissions_per_s", "ceiling_rps", "ratio", "p50_post_ms", "p95_post_ms",
                                  "p99_post_ms", "errors", "lost", "duplicated")}))


if __name__ == "__main__":
    main()
