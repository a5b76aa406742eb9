"""Fixtures for the store and rate-limiter suites: a movable clock and a real database.

The unit suites run on SQLite in a temporary directory; the integration
conftest reuses these fixtures and overrides `database_url` to run the same
suites on PostgreSQL too.
"""

from __future__ import annotations

import dataclasses
import functools
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from safety.guard import PromptGuard, build_prompt_guard
from safety.policy import Policy, load_policy
from safety.policy_revisions import PolicyRevisions
from safety.store import EventStore
from service.live_policy import LivePolicy


class FakeClock:
    """A clock that only moves when the test says so."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc))


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'safecanvas.db'}"


@pytest.fixture
def store(database_url: str, clock: FakeClock) -> Iterator[EventStore]:
    with EventStore.from_url(database_url, clock=clock) as opened:
        yield opened


@pytest.fixture
def write_lock(database_url: str) -> Callable[[], AbstractContextManager[None]]:
    """Holds the database's write lock from another connection, as a busy replica would."""

    @contextmanager
    def hold() -> Iterator[None]:
        url = make_url(database_url)
        if url.get_backend_name() == "sqlite":
            holder = sqlite3.connect(url.database, isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")
            try:
                yield
            finally:
                holder.execute("ROLLBACK")
                holder.close()
            return
        engine = create_engine(url)
        try:
            with engine.connect() as connection, connection.begin():
                connection.execute(text("LOCK TABLE events, clients IN EXCLUSIVE MODE"))
                yield
        finally:
            engine.dispose()

    return hold


ASSETS = Path(__file__).resolve().parents[2] / "assets"
POLICY_FILE = ASSETS / "policy.yaml"


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy(POLICY_FILE)


@functools.cache
def keyword_guard_for(policy: Policy) -> PromptGuard:
    """The real guard with only the model-free check, for fast unit tests. Built once per
    policy and shared, as a guard cannot change: the lists take seconds to build, and
    nearly a hundred tests start a live policy over the same file. The key is the parsed
    policy, not the list files it names: a test that edits a list on disk builds its own."""
    return build_prompt_guard(dataclasses.replace(policy, prompt_checks=("keywords",)))


@pytest.fixture(scope="session")
def keyword_guard(policy: Policy) -> PromptGuard:
    return keyword_guard_for(policy)


def live_policy_on(store: EventStore, clock: FakeClock, text: str | None = None) -> LivePolicy:
    """A replica's live policy over the demo file (or `text` in its place), keyword check
    only; it looks for new revisions every 30 s of `clock`."""
    return LivePolicy(
        POLICY_FILE.read_text(encoding="utf-8") if text is None else text,
        POLICY_FILE,
        PolicyRevisions(store.engine, clock=clock),
        keyword_guard_for,
        poll_s=30,
        monotonic=lambda: clock().timestamp(),
    )


@pytest.fixture
def live_policy(store: EventStore, clock: FakeClock) -> LivePolicy:
    return live_policy_on(store, clock)
