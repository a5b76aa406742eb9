"""Opening the database the event store and rate limiter share, on SQLite or PostgreSQL.

Everything backend-specific lives here: SQLite's WAL mode and write locking,
PostgreSQL's lock timeout, running the Alembic migrations on open, and turning
driver errors into one `StoreError` the service can show as a clear message.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, exc, make_url, text

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

#: Any constant: replicas starting together take this advisory lock to migrate one at a time.
_MIGRATION_LOCK_KEY = 0x5AFEC0DE

#: Pause between tries when another connection is switching a new file to WAL.
_WAL_RETRY_S = 0.01

_READ_ONLY = "safecanvas_read_only"
_NOT_DURABLE = "safecanvas_not_durable"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _WriteGate:
    lock: threading.Lock
    timeout_s: float


#: SQLite has one writer at a time. Threads of this process queue on a lock per
#: database file instead of polling SQLite's busy handler, whose sleeps of up to
#: 100 ms waste most of the time under contention; other processes still wait
#: on the busy timeout.
_SQLITE_WRITE_GATES: weakref.WeakKeyDictionary[Engine, _WriteGate] = weakref.WeakKeyDictionary()
_SQLITE_FILE_LOCKS: dict[str, threading.Lock] = {}
_SQLITE_FILE_LOCKS_GUARD = threading.Lock()


class StoreError(RuntimeError):
    """The database refused a read or write (locked, full, unreachable).

    Raised instead of dropping anything: the caller must tell the user the
    request was not recorded.
    """


def open_engine(
    url: str,
    *,
    write_timeout_s: float = 5.0,
    pool_size: int = 10,
    max_overflow: int = 20,
) -> Engine:
    """An engine for `url` with its schema migrated to the newest revision.

    `write_timeout_s` bounds how long a write waits for a lock before it fails
    with `StoreError`, so a stuck database gives users an error, not a hang.
    """
    parsed = make_url(url)
    common: dict[str, Any] = {
        "pool_size": pool_size,
        "max_overflow": max_overflow,
        "hide_parameters": True,  # error messages must not echo prompts or client ids
    }
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            try:
                # prompts are personal data: a new data directory is the owner's only
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as error:
                raise StoreError(f"could not open the database: {error}") from error
        engine = create_engine(
            parsed,
            connect_args={"timeout": write_timeout_s, "check_same_thread": False},
            **common,
        )
        _configure_sqlite(engine, write_timeout_s)
        if parsed.database and parsed.database != ":memory:":
            _SQLITE_WRITE_GATES[engine] = _WriteGate(_file_lock(parsed.database), write_timeout_s)
    elif parsed.get_backend_name() == "postgresql":
        engine = create_engine(
            parsed,
            pool_pre_ping=True,
            connect_args={"connect_timeout": max(1, round(write_timeout_s))},
            **common,
        )
        _configure_postgresql(engine, write_timeout_s)
    else:
        raise ValueError(
            f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql"
        )
    try:
        migrate(engine)
    except exc.SQLAlchemyError as error:
        engine.dispose()
        raise StoreError(f"could not open the database: {_describe(error)}") from error
    return engine


def _configure_sqlite(engine: Engine, write_timeout_s: float) -> None:
    """WAL for concurrent readers, full sync so an acknowledged write survives power
    loss (relaxed per transaction for rate-limit counts, see `transaction`).

    Python's sqlite3 would open transactions lazily and let two writers
    deadlock when both upgrade from reading; taking the write lock at BEGIN
    (IMMEDIATE) makes writers queue on the busy timeout instead.
    `secure_delete` overwrites deleted rows, so a takedown really removes images.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        _enable_wal(dbapi_connection, write_timeout_s)
        cursor = dbapi_connection.cursor()
        for pragma in ("foreign_keys=ON", "secure_delete=ON"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        synchronous = "NORMAL" if options.get(_NOT_DURABLE) else "FULL"
        connection.exec_driver_sql(f"PRAGMA synchronous={synchronous}")
        connection.exec_driver_sql("BEGIN" if options.get(_READ_ONLY) else "BEGIN IMMEDIATE")


def _enable_wal(dbapi_connection: Any, timeout_s: float) -> None:
    """Switch the file to WAL, waiting up to `timeout_s` for other connections.

    The switch needs an exclusive lock, and SQLite answers "database is locked"
    at once, without its busy handler, when another connection is switching
    the same new file at that moment (replicas opening a fresh database
    together). WAL persists in the file, so the first switch wins and later
    ones find nothing to do.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            dbapi_connection.execute("PRAGMA journal_mode=WAL").close()
            return
        except sqlite3.OperationalError as error:
            # "database is locked" is SQLITE_BUSY's message; its code is on the error
            # only from Python 3.11, and this project supports 3.10.
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(_WAL_RETRY_S)


def _file_lock(database: str) -> threading.Lock:
    key = str(Path(database).resolve())
    with _SQLITE_FILE_LOCKS_GUARD:
        return _SQLITE_FILE_LOCKS.setdefault(key, threading.Lock())


def _configure_postgresql(engine: Engine, write_timeout_s: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('lock_timeout', %s, false)",
                (f"{int(write_timeout_s * 1000)}ms",),
            )
        dbapi_connection.commit()


def migrate(engine: Engine) -> None:
    """Bring the schema to Alembic's newest revision; replicas may run it at once."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
            )
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextmanager
def transaction(
    engine: Engine, *, read_only: bool = False, durable: bool = True
) -> Iterator[Connection]:
    """One transaction, committed on success; database failures become `StoreError`.

    A `durable` commit is on disk before it returns (one fsync, about 4 ms on
    a cloud disk). Rate-limit counting passes `durable=False`: a power cut may
    forget the last few counts, which lets a client through a little early,
    and in exchange a limit check costs no disk flush. Application crashes
    lose nothing either way.
    """
    gate = None if read_only else _SQLITE_WRITE_GATES.get(engine)
    if gate is not None and not gate.lock.acquire(timeout=gate.timeout_s):
        log.error("database write failed: still busy after %.1f s", gate.timeout_s)
        raise StoreError("the database is unavailable: busy with other writes")
    try:
        with engine.connect() as connection:
            connection.execution_options(**{_READ_ONLY: read_only, _NOT_DURABLE: not durable})
            with connection.begin():
                if not durable and connection.dialect.name == "postgresql":
                    connection.exec_driver_sql("SET LOCAL synchronous_commit = off")
                yield connection
    except exc.SQLAlchemyError as error:
        log.error("database %s failed: %s", "read" if read_only else "write", _describe(error))
        raise StoreError(f"the database is unavailable: {_describe(error)}") from error
    finally:
        if gate is not None:
            gate.lock.release()


def _describe(error: exc.SQLAlchemyError) -> str:
    """The driver's own words (`database is locked`), without SQL or parameters."""
    original = getattr(error, "orig", None)
    detail = str(original).strip().splitlines()[0] if original is not None else type(error).__name__
    return f"{type(error).__name__}: {detail}"
