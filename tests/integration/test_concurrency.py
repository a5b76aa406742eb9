"""Many threads on two replicas against one limit: the database does the counting."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from safety.ratelimit import RateLimiter, RateLimits
from safety.schema import EventRow
from safety.store import EventStore, RequestEvent
from safety.verdict import Action
from tests.unit.conftest import FakeClock

pytestmark = pytest.mark.integration

THREADS = 16
REQUESTS_PER_THREAD = 200
LIMIT = 150
CLIENT = "c0ffee00000000000000000000000c0f"


@pytest.fixture
def replicas(database_url: str, clock: FakeClock) -> Iterator[list[EventStore]]:
    """Two stores on one database, as two app replicas would have (own engines, own pools)."""
    opened = [EventStore.from_url(database_url, clock=clock, write_timeout_s=60) for _ in range(2)]
    yield opened
    for store in opened:
        store.close()


def test_sixteen_threads_never_exceed_the_limit_and_lose_no_event(
    replicas: list[EventStore], clock: FakeClock
) -> None:
    limits = RateLimits(per_minute=None, per_day=LIMIT, block_cooldown_count=None)
    start = threading.Barrier(THREADS)

    def client_thread(index: int) -> tuple[int, list[str]]:
        store = replicas[index % len(replicas)]
        limiter = RateLimiter(store, limits, clock)
        start.wait()
        allowed, references = 0, []
        for request in range(REQUESTS_PER_THREAD):
            decision = limiter.acquire(CLIENT)
            allowed += decision.allowed
            event = RequestEvent(
                time=clock(),
                client_hash=CLIENT,
                session_id=f"thread-{index}",
                mode="txt2img",
                prompt=f"request {request}",
                action=Action.ALLOW if decision.allowed else Action.BLOCK,
                details={"limit": decision.reason},
            )
            references.append(store.record_event(event))
        return allowed, references

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(client_thread, range(THREADS)))

    assert sum(allowed for allowed, _ in results) == LIMIT
    references = [reference for _, refs in results for reference in refs]
    assert len(set(references)) == THREADS * REQUESTS_PER_THREAD
    with replicas[0].engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(EventRow)).scalar_one()
        allowed_events = connection.execute(
            select(func.count()).where(EventRow.action == Action.ALLOW.value)
        ).scalar_one()
    assert stored == THREADS * REQUESTS_PER_THREAD
    assert allowed_events == LIMIT


def test_replicas_opening_a_new_database_together_migrate_it_once(
    database_url: str, clock: FakeClock
) -> None:
    start = threading.Barrier(4)

    def open_replica(_: int) -> str:
        start.wait()
        with EventStore.from_url(database_url, clock=clock, write_timeout_s=60) as store:
            return store.record_event(
                RequestEvent(clock(), CLIENT, "s", "txt2img", "a cat", Action.ALLOW)
            )

    with ThreadPoolExecutor(4) as pool:
        references = list(pool.map(open_replica, range(4)))
    with EventStore.from_url(database_url, clock=clock) as store:
        assert all(store.get_event(reference) is not None for reference in references)
