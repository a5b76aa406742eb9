"""Opening the database the event store and rate limiter share, on SQLite or PostgreSQL.

Everything backend-specific lives here: SQLite's WAL mode and write locking,
PostgreSQL's lock timeout, running the Alembic migrations on open, and turning
driver errors into one `StoreError` the service can show as a clear message.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, exc, make_url, text

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

#: Any constant: replicas starting together take this advisory lock to migrate one at a time.
_MIGRATION_LOCK_KEY = 0x5AFEC0DE

_READ_ONLY = "safecanvas_read_only"

log = logging.getLogger(__name__)


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
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreError(f"could not open the database: {error}") from error
        engine = create_engine(
            parsed,
            connect_args={"timeout": write_timeout_s, "check_same_thread": False},
            **common,
        )
        _configure_sqlite(engine)
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


def _configure_sqlite(engine: Engine) -> None:
    """WAL for concurrent readers, full sync so an acknowledged write survives power loss.

    Python's sqlite3 would open transactions lazily and let two writers
    deadlock when both upgrade from reading; taking the write lock at BEGIN
    (IMMEDIATE) makes writers queue on the busy timeout instead.
    `secure_delete` overwrites deleted rows, so a takedown really removes images.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "synchronous=FULL",
            "foreign_keys=ON",
            "secure_delete=ON",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(_READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


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
def transaction(engine: Engine, *, read_only: bool = False) -> Iterator[Connection]:
    """One transaction, committed on success; database failures become `StoreError`."""
    try:
        with engine.connect() as connection:
            if read_only:
                connection.execution_options(**{_READ_ONLY: True})
            with connection.begin():
                yield connection
    except exc.SQLAlchemyError as error:
        log.error("database %s failed: %s", "read" if read_only else "write", _describe(error))
        raise StoreError(f"the database is unavailable: {_describe(error)}") from error


def _describe(error: exc.SQLAlchemyError) -> str:
    """The driver's own words (`database is locked`), without SQL or parameters."""
    original = getattr(error, "orig", None)
    detail = str(original).strip().splitlines()[0] if original is not None else type(error).__name__
    return f"{type(error).__name__}: {detail}"
