"""Profile the survey intake (or the survey page) under wrk load with py-spy; prints the top of the profile.

Run: .venv/bin/python bench/profile_intake.py [--target post|page] [--full-path] [--seconds 10]
--full-path sends a cookie with every request, which keeps it off the fast paths (evalplatform.fastpath):
the profile of the Flask route, as before the fast lane. Needs wrk and py-spy (scripts/setup.sh --bench).
Prints the functions with most samples on the stack ("total") and most samples at the top ("self") across
the gunicorn workers, PostgreSQL excluded (it is another process: see `top` during a run).
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import tempfile
from pathlib import Path

from _support import ROOT, create_survey, gunicorn, private_postgres
from load import WRK_CONNECTIONS, WRK_THREADS, post_script, wrk_binary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", choices=("post", "page"), default="post")
    parser.add_argument("--full-path", action="store_true")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--gil", action="store_true", help="sample only the thread holding the GIL (Python CPU)")
    parser.add_argument("--native", action="store_true", help="include C frames (psycopg, orjson, the interpreter)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    with private_postgres() as url:
        token, _instrument = create_survey(url)
        with gunicorn(url, tempfile.mkdtemp(), workers=args.workers, threads=args.threads) as (base, process):
            command = [wrk_binary(), "-t", str(WRK_THREADS), "-c", str(WRK_CONNECTIONS), "-d", f"{args.seconds + 4}s"]
            command += ["-H", "Cookie: profile=1"] if args.full_path else []
            if args.target == "post":
                acked = Path(tempfile.mkdtemp(dir=folder))
                command += ["-s", str(post_script(folder)), f"{base}/s/{token}/responses", "--", "abcdef01", str(acked)]
            else:
                command += [f"{base}/s/{token}"]
            load = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
            stacks = folder / "stacks.txt"
            subprocess.run(
                [
                    str(ROOT / ".venv/bin/py-spy"),
                    "record",
                    "--pid",
                    str(process.pid),
                    "--subprocesses",
                    "--duration",
                    str(args.seconds),
                    "--rate",
                    "200",
                    "--format",
                    "raw",
                    "--output",
                    str(stacks),
                    "--nonblocking",
                    *(["--gil"] if args.gil else []),
                    *(["--native"] if args.native else []),
                ],
                check=True,
                capture_output=True,
            )
            print(load.communicate()[0])
    report(stacks, args.top)


def report(stacks: Path, top: int) -> None:
    total, own, samples = collections.Counter(), collections.Counter(), 0
    for line in stacks.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [f for f in stack.split(";") if f and not f.startswith("process ") and not f.startswith("thread ")]
        if not frames or any(
            idle in frames[-1]
            for idle in (
                "wait (threading",
                "select (selectors",
                "_recv_into",
                "poll (selectors",
                "accept (socket",
                "sleep",
                "_Waiting.wait (",  # a request waiting for its batch's commit (questionnaires.intake)
                "_worker (concurrent/futures/thread.py:81)",  # a pool thread waiting for a request
            )
        ):
            continue  # idle threads
        n = int(count)
        samples += n
        own[frames[-1]] += n
        for frame in set(frames):
            total[frame] += n
    print(f"{samples} busy samples")
    print(f"{'total %':>8} {'self %':>7}  function (file:line)")
    for frame, n in total.most_common(top):
        print(f"{100 * n / samples:>8.1f} {100 * own[frame] / samples:>7.1f}  {frame}")
    print("\nself time:")
    for frame, n in own.most_common(top // 2):
        print(f"{100 * n / samples:>8.1f}  {frame}")


if __name__ == "__main__":
    main()
