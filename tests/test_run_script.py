"""scripts/run.sh, the README's one command: gunicorn on the embedded SQLite default, serving the demo;
`--dev` is the only way to the Werkzeug development server; neither tells its version."""

import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import requests

from tests.conftest import CSRF_RE

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(instance: Path, *args: str):
    """run.sh in its own process group on a free port, against its own instance/ directory; returns the
    process, the address it printed and what it printed before."""
    env = {
        **os.environ,
        "EVALPLATFORM_INSTANCE": str(instance),
        "PORT": str(free_port()),
        "HOST": "127.0.0.1",
        "WEB_CONCURRENCY": "2",
    }
    for name in ("DATABASE_URL", "STORAGE_DIR", "AUDIT_KEY", "SECRET_KEY"):  # the embedded defaults, as a newcomer
        env.pop(name, None)
    process = subprocess.Popen(
        ["bash", str(ROOT / "scripts/run.sh"), *args],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    printed = []
    for line in process.stdout:
        printed.append(line)
        found = re.search(r"on (http://127\.0\.0\.1:\d+)", line)
        if found:
            # Keep reading what the server logs, so a full pipe never blocks it.
            threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
            return process, found.group(1), "".join(printed)
    raise AssertionError("run.sh ended without an address:\n" + "".join(printed))


def wait_until_up(base: str) -> requests.Response:
    deadline = time.monotonic() + 300  # a wait for start-up, not a measurement
    while True:
        try:
            return requests.get(f"{base}/login", timeout=60)
        except (requests.ConnectionError, requests.Timeout):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def stop(process) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def sign_in(base: str, username: str) -> requests.Session:
    browser = requests.Session()
    token = CSRF_RE.search(browser.get(f"{base}/login").text).group(1)
    response = browser.post(
        f"{base}/login",
        data={"username": username, "password": "demo-pass-2026", "csrf_token": token},
        allow_redirects=False,
    )
    assert response.status_code == 302
    return browser


def test_run_sh_serves_the_demo_with_gunicorn_and_dev_only_on_request(tmp_path):
    instance = tmp_path / "instance"
    process, base, printed = start(instance)
    try:
        assert "(gunicorn)" in printed
        page = wait_until_up(base)
        assert page.status_code == 200 and page.headers["Server"] == "gunicorn"  # no version
        html = sign_in(base, "bureau").get(f"{base}/bureau").text
        assert html.count('href="/bureau/reports/') == 5  # the demo's five issued reports
        assert (instance / "evalplatform.db").exists() and oct((instance / "audit_key").stat().st_mode)[-3:] == "600"
    finally:
        stop(process)

    process, base, printed = start(instance, "--dev")
    try:
        assert "development server (Werkzeug)" in printed
        page = wait_until_up(base)
        assert page.status_code == 200 and page.headers["Server"] == "evalplatform-dev"
        assert not re.search(r"\d+\.\d+", page.headers["Server"])
    finally:
        stop(process)
