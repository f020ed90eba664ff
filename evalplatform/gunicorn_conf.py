"""gunicorn settings for scripts/run.sh; HOST, PORT and WEB_CONCURRENCY (workers) from the environment."""

import multiprocessing
import os

# Threads per worker (gthread): the survey intake's requests wait for their group commit
# (questionnaires.intake) while others are validated, so one commit carries the rows of many threads.
DEFAULT_THREADS = 8


def default_workers() -> int:
    """The usual 2 × cores + 1, capped: each worker holds the whole app (pandas, WeasyPrint) in memory.
    bench/load.py serves the app (and bare Flask) with the same count."""
    return min(multiprocessing.cpu_count() * 2 + 1, 9)


bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or default_workers())
threads = int(os.environ.get("GUNICORN_THREADS") or DEFAULT_THREADS)
# Report PDFs render in the request when there is no Redis worker: give them time.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
# Load the app once in the master (keys under instance/ are created once; workers share the memory).
preload_app = True
accesslog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
