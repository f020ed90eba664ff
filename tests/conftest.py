"""Fixtures: a clean database per test on SQLite and, when configured, on PostgreSQL."""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from evalplatform import create_app, workflow
from evalplatform.migrate import upgrade
from evalplatform.models import metadata

POSTGRES_URL = os.environ.get("EVALPLATFORM_TEST_POSTGRES_URL")
# One audit key for the whole run (apps, job workers and migrations resolve the same one), never a file in
# the repository's instance/ directory. Tests of key handling set their own.
os.environ.setdefault("AUDIT_KEY", "test-audit-key-0123456789abcdef0123456789abcdef")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


# tests/test_workflow.py runs the workflow tests with this set to learn which declared moves the code makes.
MOVES_FILE = os.environ.get("EVALPLATFORM_RECORD_MOVES")
_moves: set[tuple[str, str, str]] = set()


def pytest_configure(config):
    if MOVES_FILE:
        workflow._observers.append(lambda flow, current, wanted: _moves.add((flow.name, current, wanted)))


def pytest_sessionfinish(session):
    if MOVES_FILE:
        with open(MOVES_FILE, "w", encoding="utf-8") as out:
            json.dump(sorted(_moves), out)


def pytest_sessionstart(session):
    """With PostgreSQL configured, an unreachable server fails the run loudly; it never skips."""
    if not POSTGRES_URL:
        return
    try:
        engine = create_engine(POSTGRES_URL)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # noqa: BLE001 - any failure here means "no PostgreSQL"
        pytest.exit(f"EVALPLATFORM_TEST_POSTGRES_URL is set but PostgreSQL is unreachable: {error}", returncode=3)


@pytest.fixture(scope="session")
def postgres_database():
    """A private database for this test run (parallel runs never share one), migrated to head."""
    admin_url = make_url(POSTGRES_URL)
    name = f"evalplatform_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)  # survives a server restart
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path, sqlite_template):
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_database")
    yield url
    _truncate_all(url)


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    """Another database on the same backend, with no tables at all (restore targets, migrations)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    admin_url = make_url(POSTGRES_URL)
    name = f"evalplatform_empty_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)  # survives a server restart
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield admin_url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(url: str) -> None:
    engine = create_engine(url, pool_pre_ping=True)
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "STORAGE_DIR": str(tmp_path / "evidence"),
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "REDIS_URL": None,
        }
    )
    yield app
    app.extensions["evalplatform.db"].engine.dispose()


@pytest.fixture
def session(app):
    """A session for arranging and checking data; tests commit what the app must see."""
    # No app context is held open here: requests must each get their own, as in production.
    s = Session(app.extensions["evalplatform.db"].engine, expire_on_commit=False)
    yield s
    s.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def backend(database_url) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, page: str) -> str:
    html = client.get(page).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {page}"
    return match.group(1)


def post_form(client, url: str, data: dict, page: str | None = None, **kwargs):
    """POST like a browser: with the CSRF token of the page the form is on."""
    return client.post(url, data={**data, "csrf_token": csrf_token(client, page or url)}, **kwargs)


def login(client, username: str, password: str = "correct-horse-1"):
    response = post_form(client, "/login", {"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def readiness_waived(monkeypatch):
    """For tests of the review workflow itself (four eyes, tampering, commissions): their minimal worlds have no
    indicator system or narrative, so the readiness checklist (tests/reporting/test_readiness.py) is set aside."""
    from evalplatform.reporting import readiness

    monkeypatch.setattr(readiness, "problems", lambda session, report: [])
