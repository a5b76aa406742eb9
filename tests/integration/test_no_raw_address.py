"""After a realistic run, the raw client address appears in no table, file or log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import MetaData, make_url, select

from safety.identity import ClientHasher, client_address, load_or_create_secret
from safety.ratelimit import RateLimiter, RateLimits
from safety.store import EventStore, RequestEvent
from safety.verdict import Action, Finding
from tests.unit.conftest import FakeClock

pytestmark = pytest.mark.integration

ADDRESS = "198.51.100.23"
SPOOFED = "203.0.113.250"
THUMBNAIL = b"\x89PNG\r\n\x1a\n" + b"blurred"


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """Everything the app and SQLAlchemy log, SQL statements included, into one file."""
    path = tmp_path / "app.log"
    handler = logging.FileHandler(path)
    root, engine_log = logging.getLogger(), logging.getLogger("sqlalchemy.engine")
    levels = root.level, engine_log.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    engine_log.setLevel(logging.INFO)
    yield path
    root.removeHandler(handler)
    handler.close()
    root.setLevel(levels[0])
    engine_log.setLevel(levels[1])


def test_no_raw_address_is_written_to_the_database_or_the_log(
    database_url: str, clock: FakeClock, tmp_path: Path, log_file: Path
) -> None:
    headers = {"X-Forwarded-For": f"{SPOOFED}, {ADDRESS}"}
    address = client_address("10.0.0.2", headers, trusted_proxies=1)
    assert address == ADDRESS
    client = ClientHasher(load_or_create_secret(None, tmp_path / "client-hash.key")).hash(address)

    with EventStore.from_url(database_url, clock=clock) as store:
        limiter = RateLimiter(store, RateLimits(per_minute=2, block_cooldown_count=2), clock)
        for attempt in range(4):
            decision = limiter.acquire(client)
            reference_id = store.record_event(
                RequestEvent(
                    time=clock(),
                    client_hash=client,
                    session_id="session-1",
                    mode="txt2img",
                    prompt=f"attempt {attempt}",
                    action=Action.BLOCK,
                    details={"limit": decision.reason},
                )
            )
            limiter.record_block(client)
        store.add_review_item(reference_id, "blocked", THUMBNAIL, [Finding("kw", "x", 1.0)])
        store.appeal(reference_id, "please look again")
        limiter.ban(client, clock() + timedelta(days=1), reason="abuse", moderator="mod-ana")
        store.takedown(reference_id, moderator="mod-ana")
        tables = MetaData()
        tables.reflect(store.engine)
        with store.engine.connect() as connection:
            every_row = repr(
                [connection.execute(select(table)).all() for table in tables.sorted_tables]
            )

    logged = log_file.read_text()
    assert client in logged  # the log really was written, with the hashed id
    assert client in every_row
    for raw in (ADDRESS, SPOOFED):
        assert raw not in logged
        assert raw not in every_row

    if make_url(database_url).get_backend_name() == "sqlite":
        database_dir = Path(make_url(database_url).database).parent
        files = b"".join(path.read_bytes() for path in database_dir.glob("safecanvas.db*"))
        assert client.encode() in files
        for raw in (ADDRESS, SPOOFED):
            assert raw.encode() not in files
