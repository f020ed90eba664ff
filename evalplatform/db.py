"""Engine, one session per request, the declarative Base and portable column types."""

from __future__ import annotations

from datetime import datetime, timezone

from flask import current_app
from sqlalchemy import JSON, DateTime, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

# Named constraints keep Alembic migrations reproducible on both backends.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSONB on PostgreSQL (indexable, compact); plain JSON text on SQLite.
JSONDocument = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stores UTC, always returns an aware UTC datetime (SQLite drops the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use UTC-aware datetimes")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict: JSONDocument, list: JSONDocument}


def make_engine(url: str, *, pre_ping: bool = False, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # No pre-ping by default: it is a round trip before every request (a seventh of the survey intake's
    # throughput). A connection dropped by a server restart fails its request with a clean 503 instead
    # (web._database_unavailable), and SQLAlchemy then invalidates the whole pool, so the retry succeeds.
    kwargs.setdefault("pool_pre_ping", pre_ping)
    kwargs.setdefault("pool_recycle", 3600)  # never hold a connection longer than firewalls keep idle ones
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def statements_autocommit(session: Session) -> None:
    """From here on, each statement of this session commits by itself: no BEGIN and COMMIT round trips.
    Only for requests whose one write is a single atomic statement (the public survey intake, see
    questionnaires.public); must come before the session's first statement. The pool restores the
    connection's isolation level when it is returned."""
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


class _AppDatabase:
    """The engine and request-scoped session of one app (tests run several apps at once)."""

    def __init__(self, url: str, pre_ping: bool = False) -> None:
        self.engine = make_engine(url, pre_ping=pre_ping)
        self.session = scoped_session(sessionmaker(bind=self.engine, expire_on_commit=False))


class Database:
    """`db.session` is the current app's session for this request; removed at teardown."""

    def init_app(self, app) -> None:
        state = _AppDatabase(app.config["DATABASE_URL"], app.config.get("DATABASE_PRE_PING", False))
        app.extensions["evalplatform.db"] = state

        @app.teardown_appcontext
        def _remove_session(_exc):
            state.session.remove()

    @staticmethod
    def _state() -> _AppDatabase:
        return current_app.extensions["evalplatform.db"]

    @property
    def session(self) -> Session:
        return self._state().session

    @property
    def engine(self) -> Engine:
        return self._state().engine

    def new_session(self) -> Session:
        """A session outside the request scope, for CLI commands and jobs."""
        return Session(self.engine, expire_on_commit=False)


db = Database()


def read_autocommit(engine: Engine, sql: str, params: tuple = ()) -> tuple | None:
    """The first row of one plain SQL read (driver paramstyle) on a pooled connection in autocommit: one
    round trip, without the BEGIN before and the ROLLBACK after that a Core connection would send. For the
    fast paths (evalplatform.fastpath) on PostgreSQL (psycopg)."""
    raw = engine.raw_connection()
    try:
        raw.driver_connection.autocommit = True
        row = raw.driver_connection.execute(sql, params).fetchone()
        raw.driver_connection.autocommit = False
        return row
    except Exception:
        raw.invalidate()  # a connection that failed (the server restarted) never goes back to the pool
        raise
    finally:
        raw.close()
