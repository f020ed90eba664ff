"""Load: the intake against its floors, measured by an external load generator, then 300 virtual respondents.

Run: .venv/bin/python bench/load.py [--duration 60] [--vus 300] [--rounds 5] [--workers N] [--threads 8]
(workers: as gunicorn_conf.py serves the app, 2 × cores + 1, capped at 9; the same for bare Flask)
Needs wrk (`scripts/setup.sh --bench` installs it; Debian package `wrk`).

Two gunicorn servers with the same settings, a private PostgreSQL, loopback, all on this machine:
1. ceilings and capacity — wrk (C; 2 threads, 64 connections, --closed seconds each) against, in turn:
   a bare Flask app answering {"status": "ok"} (bench/_bare_flask.py), this app's GET /healthz, the public
   survey page GET /s/<token>, and POST /s/<token>/responses with fresh 30-answer responses (a Lua script
   gives every request a new client UUID and writes each acknowledged one down). The four phases alternate
   --rounds times; medians are quoted, and each ratio is the median of the per-round ratios (numerator and
   denominator measured a few seconds apart, under the same load from the rest of the machine).
2. respondents — --vus virtual respondents (Python threads), ramped up over the first quarter of --duration
   and then held: each GETs the survey page, thinks (--think seconds, uniform), POSTs its response and starts
   again as a new respondent; every tenth posts each response twice (a retry after a lost acknowledgement).
   POST latency percentiles are measured here.
Every response is reconciled with the database: lost = acknowledged client UUIDs without a row; duplicated =
rows beyond one per UUID, plus rows never acknowledged beyond the requests wrk still had in flight when it
stopped (at most one per connection per wrk phase).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy.engine import make_url

from _support import ROOT, create_survey, gunicorn, percentile, private_postgres, reconcile, survey_answers

from evalplatform.gunicorn_conf import DEFAULT_THREADS, default_workers

WRK_THREADS, WRK_CONNECTIONS = 2, 64
HEADERS = {"Content-Type": "application/json"}
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
BODIES = 64  # distinct answer sets the Lua script cycles through (the UUID is new on every request)
WRK_POST = """-- bench/load.py: POST fresh responses; every acknowledged client UUID is written to <dir>/acked-<n>.txt
local tails = { %(tails)s }
local counter, out = 0, nil
local next_id = 1
function setup(thread) thread:set("id", next_id); next_id = next_id + 1 end
function init(args)
  prefix = args[1]
  out = io.open(args[2] .. "/acked-" .. id .. ".txt", "w")
  out:setvbuf("line")
  wrk.headers["Content-Type"] = "application/json"   -- added to -H headers (a profile's cookie), not instead
end
function request()
  counter = counter + 1
  local body = string.format('{"client_uuid":"%%s-%%04x-4000-8000-%%012x",', prefix, id, counter) .. tails[counter %% #tails + 1]
  return wrk.format("POST", nil, nil, body)
end
function response(status, headers, body)
  if status == 200 then out:write(body:match('"client_uuid":%%s*"([^"]+)"'), "\\n") end
end
"""


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


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        sys.exit(
            "bench/load.py needs wrk, the C load generator: run scripts/setup.sh --bench (or: sudo apt-get install wrk)"
        )
    return found


def cpu_seconds(pids) -> dict[int, float]:
    """user + system CPU seconds of each process still there (Linux /proc)."""
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return found


def server_processes(master_pid: int, database: str | None) -> list[int]:
    """The gunicorn workers under `master_pid`, and PostgreSQL's backends serving `database`."""
    children = [
        int(p) for path in Path(f"/proc/{master_pid}/task").glob("*/children") for p in path.read_text().split()
    ]
    if database:
        from sqlalchemy import create_engine, text
        from _support import PG_URL

        engine = create_engine(PG_URL)
        with engine.connect() as connection:
            children += list(
                connection.scalars(
                    text("SELECT pid FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"),
                    {"d": database},
                )
            )
        engine.dispose()
    return children


def measured(processes, run) -> dict:
    """run() → wrk's figures, plus the CPU the server's processes spent per 2xx answer (ms): all of them,
    and PostgreSQL's backends alone."""
    pids = processes()
    before = cpu_seconds(pids)
    result = run()
    backends = set(processes()) - set(server_processes(processes.master, None))
    after = cpu_seconds(set(pids) | backends | set(server_processes(processes.master, None)))
    spent = {pid: cpu - before.get(pid, 0.0) for pid, cpu in after.items()}
    answers = max(1, result["requests"] - result["failed"])
    return {
        **result,
        "cpu_ms": 1000 * sum(spent.values()) / answers,
        "pg_cpu_ms": 1000 * sum(v for pid, v in spent.items() if pid in backends) / answers,
    }


def wrk(url: str, seconds: float, script: Path | None = None, args: tuple[str, ...] = ()) -> dict:
    """One wrk run: requests/s of 2xx answers, plus the raw counts."""
    command = [
        wrk_binary(),
        "-t",
        str(WRK_THREADS),
        "-c",
        str(WRK_CONNECTIONS),
        "-d",
        f"{seconds:g}s",
        "--timeout",
        "10s",
    ]
    if script:
        command += ["-s", str(script)]
    started = os.times()
    output = subprocess.run(
        [*command, url, *(["--", *args] if args else [])], capture_output=True, text=True, check=True
    ).stdout
    ended = os.times()  # wrk is the only child waited for here: its CPU (the load generator shares the cores)
    wrk_cpu = ended.children_user - started.children_user + ended.children_system - started.children_system
    total, wall = re.search(r"(\d+) requests in ([\d.]+)(m?s)", output).groups()[:2]
    unit = re.search(r"requests in [\d.]+(m?s)", output).group(1)
    wall_s = float(wall) / (1000 if unit == "ms" else 1)
    failed = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", output)) else 0
    errors = (
        sum(map(int, m.groups()))
        if (m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output))
        else 0
    )
    return {
        "rps": (int(total) - failed) / wall_s,
        "requests": int(total),
        "failed": failed,
        "socket_errors": errors,
        "wrk_cpu_ms": 1000 * wrk_cpu / max(1, int(total)),
    }


def post_script(folder: Path) -> Path:
    """The Lua script: BODIES answer sets, each request a fresh UUID, acknowledged UUIDs written down."""
    rng = random.Random(7)
    tails = [
        json.dumps({"answers": survey_answers(rng), "duration_s": rng.randint(60, 900)}, ensure_ascii=False)[1:]
        for _ in range(BODIES)
    ]
    script = folder / "post.lua"
    script.write_text(WRK_POST % {"tails": ", ".join(f"[==[{t}]==]" for t in tails)}, encoding="utf-8")
    return script


def acknowledged(folder: Path) -> set[str]:
    found = {line for path in folder.glob("acked-*.txt") for line in path.read_text().split()}
    bad = {line for line in found if not UUID_RE.fullmatch(line)}
    if bad:
        print(f"malformed acknowledgements in {folder}: {sorted(bad)[:5]}", file=sys.stderr)
    return found - bad


def capacity_phase(base: str, token: str, seconds: float, folder: Path) -> tuple[str, set[str], dict]:
    """wrk POSTing fresh responses: (the UUID prefix of this phase, the acknowledged UUIDs, wrk's figures)."""
    prefix = uuid.uuid4().hex[:8]
    acked_dir = Path(tempfile.mkdtemp(dir=folder))
    result = wrk(f"{base}/s/{token}/responses", seconds, post_script(folder), (prefix, str(acked_dir)))
    return prefix, acknowledged(acked_dir), result


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
    return {
        "rps": (tally.requests - requests_before) / wall,
        "submissions_per_s": (tally.submissions - submissions_before) / wall,
        "wall_s": wall,
    }


def run(database_url: str, args) -> dict:
    token, instrument_id = create_survey(database_url)
    tally, folder = Tally(), Path(tempfile.mkdtemp())
    # Keep-alive longer than the think time, as a reverse proxy in front would: otherwise a respondent's
    # idle connection may be closed just as it sends, a client-side race that is not the server's error.
    settings = dict(workers=args.workers, threads=args.threads, extra=("--keep-alive", str(int(args.think_max) + 5)))
    bare_app = dict(settings, extra=(*settings["extra"], "--pythonpath", str(ROOT / "bench")), app="_bare_flask:app")
    database = make_url(database_url).database
    with (
        gunicorn(database_url, tempfile.mkdtemp(), **bare_app) as (bare, bare_master),
        gunicorn(database_url, tempfile.mkdtemp(), **settings) as (base, master),
    ):
        bare_processes = functools.partial(server_processes, bare_master.pid, None)
        processes = functools.partial(server_processes, master.pid, database)
        bare_processes.master, processes.master = bare_master.pid, master.pid
        targets = {
            "bare_flask": (f"{bare}/healthz", bare_processes),
            "healthz": (f"{base}/healthz", processes),
            "survey_get": (f"{base}/s/{token}", processes),
        }
        for url, _processes in targets.values():  # warm every worker up (imports, caches, prepared statements)
            wrk(url, 2)
        rounds, phases = [], [capacity_phase(base, token, 2, folder)]
        for _ in range(args.rounds):  # alternate, so a burst of other work moves one round, not the figure
            figures = {}
            for name, (url, server) in targets.items():
                result = measured(server, lambda: wrk(url, args.closed))  # noqa: B023
                figures[name], figures[f"{name}_cpu_ms"] = result["rps"], result["cpu_ms"]
                figures[f"{name}_wrk_cpu_ms"] = result["wrk_cpu_ms"]

            def post_phase():
                phases.append(capacity_phase(base, token, args.closed, folder))
                return phases[-1][2]

            posted = measured(processes, post_phase)
            figures["submissions"], figures["submissions_cpu_ms"] = posted["rps"], posted["cpu_ms"]
            figures["submissions_pg_cpu_ms"] = posted["pg_cpu_ms"]
            figures["submissions_wrk_cpu_ms"] = posted["wrk_cpu_ms"]
            rounds.append(figures)
        vu = respondents(base, token, args.vus, args.duration, (args.think_min, args.think_max), tally)
    posts = tally.post_latencies
    counts = reconcile(
        database_url,
        instrument_id,
        tally.accepted | set().union(*(a for _p, a, _r in phases)),
        in_flight=WRK_CONNECTIONS * len(phases),
    )
    median = lambda key: statistics.median(r[key] for r in rounds)  # noqa: E731
    ratio = lambda a, b: statistics.median(r[a] / r[b] for r in rounds)  # noqa: E731
    return {
        "bare_flask_rps": median("bare_flask"),
        "healthz_rps": median("healthz"),
        "survey_get_rps": median("survey_get"),
        "submissions_per_s": median("submissions"),
        "ratio_to_bare": ratio("submissions", "bare_flask"),
        "ratio_to_healthz": ratio("submissions", "healthz"),
        "healthz_to_bare": ratio("healthz", "bare_flask"),
        "survey_get_to_bare": ratio("survey_get", "bare_flask"),
        **{
            f"{name}_cpu_ms": median(f"{name}_cpu_ms")
            for name in ("bare_flask", "healthz", "survey_get", "submissions", "submissions_pg")
        },
        # wrk's own CPU per request: its Lua script (a fresh UUID per POST, each acknowledgement written down)
        # costs more per POST than a plain GET, on the same two cores as the server
        **{f"{name}_wrk_cpu_ms": median(f"{name}_wrk_cpu_ms") for name in ("bare_flask", "submissions")},
        # the same ratio from CPU spent per answer (server processes and their PostgreSQL backends): what
        # the rate ratio tends to on a machine with nothing else running
        "cpu_ratio_to_bare": statistics.median(r["bare_flask_cpu_ms"] / r["submissions_cpu_ms"] for r in rounds),
        "rounds": rounds,
        "post_failures": sum(r["failed"] + r["socket_errors"] for _p, _a, r in phases[1:]),
        "vu_requests_per_s": vu["rps"],
        "vu_submissions_per_s": vu["submissions_per_s"],
        "p50_post_ms": percentile(posts, 0.50) * 1000,
        "p95_post_ms": percentile(posts, 0.95) * 1000,
        "p99_post_ms": percentile(posts, 0.99) * 1000,
        "posts": len(posts),
        "errors": sum(tally.errors.values()),
        "error_kinds": tally.errors,
        "accepted": counts["accepted"],
        "rows": counts["rows"],
        "unacknowledged_rows": counts["unacknowledged"],
        "lost": counts["lost"],
        "duplicated": counts["duplicated"],
    }


FIGURES = (
    "bare_flask_rps",
    "healthz_rps",
    "survey_get_rps",
    "submissions_per_s",
    "ratio_to_bare",
    "ratio_to_healthz",
    "healthz_to_bare",
    "survey_get_to_bare",
    "bare_flask_cpu_ms",
    "healthz_cpu_ms",
    "survey_get_cpu_ms",
    "submissions_cpu_ms",
    "submissions_pg_cpu_ms",
    "cpu_ratio_to_bare",
    "bare_flask_wrk_cpu_ms",
    "submissions_wrk_cpu_ms",
    "post_failures",
    "vu_requests_per_s",
    "vu_submissions_per_s",
    "p50_post_ms",
    "p95_post_ms",
    "p99_post_ms",
    "posts",
    "accepted",
    "rows",
    "unacknowledged_rows",
    "errors",
    "lost",
    "duplicated",
)
SUMMARY = (
    "bare_flask_rps",
    "healthz_rps",
    "survey_get_rps",
    "submissions_per_s",
    "ratio_to_bare",
    "ratio_to_healthz",
    "p99_post_ms",
    "lost",
    "duplicated",
    "cpu_ratio_to_bare",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60, help="seconds of the respondents' phase (default 60)")
    parser.add_argument("--closed", type=float, default=10, help="seconds of each wrk phase (default 10)")
    parser.add_argument(
        "--rounds", type=int, default=5, help="rounds of the four wrk phases, medians quoted (default 5)"
    )
    parser.add_argument("--vus", type=int, default=300)
    parser.add_argument("--think-min", type=float, default=2.0)
    parser.add_argument("--think-max", type=float, default=8.0)
    # As the app is served (evalplatform/gunicorn_conf.py): 2 × cores + 1 workers of 8 threads, for both servers.
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    args = parser.parse_args()
    wrk_binary()
    with private_postgres() as url:
        result = run(url, args)
    print(
        f"gunicorn -w {args.workers} --threads {args.threads}, PostgreSQL, loopback; wrk -t{WRK_THREADS} "
        f"-c{WRK_CONNECTIONS}, {args.closed:g} s per phase, {args.rounds} alternating rounds (medians); "
        f"{args.vus} respondents (think {args.think_min:g}–{args.think_max:g} s, 10 % retry every POST) for "
        f"{args.duration:g} s; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(f"{'figure':<34}{'value':>12}")
    for key in FIGURES:
        value = result[key]
        print(f"{key:<34}{value:>12.2f}" if isinstance(value, float) else f"{key:<34}{value:>12}")
    print(
        "rounds (bare / healthz / survey page / submissions per s):",
        "; ".join(
            f"{r['bare_flask']:.0f} / {r['healthz']:.0f} / {r['survey_get']:.0f} / {r['submissions']:.0f}"
            for r in result["rounds"]
        ),
    )
    if result["error_kinds"]:
        print("errors by kind:", result["error_kinds"])
    print(
        json.dumps({key: round(result[key], 3) if isinstance(result[key], float) else result[key] for key in SUMMARY})
    )


if __name__ == "__main__":
    main()
