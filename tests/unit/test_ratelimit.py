"""Limits, cooldowns and bans, with a clock moved by hand. Runs on SQLite here
and on both backends in tests/integration/test_ratelimit_backends.py."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta

import pytest

from safety.ratelimit import LimitDecision, RateLimiter, RateLimits, wait_text
from safety.store import EventStore, StoreError
from tests.unit.conftest import FakeClock

ALICE = "a11ce0000000000000000000000000aa"
BOB = "b0b00000000000000000000000000bb0"
NO_BLOCKS = RateLimits(per_minute=3, per_day=None, block_cooldown_count=None)


def allowed_count(limiter: RateLimiter, client: str, attempts: int) -> int:
    return sum(limiter.acquire(client).allowed for _ in range(attempts))


def test_the_per_minute_limit_refuses_with_the_time_to_wait(
    store: EventStore, clock: FakeClock
) -> None:
    limiter = RateLimiter(store, NO_BLOCKS, clock)
    for _ in range(3):
        assert limiter.acquire(ALICE).allowed
        clock.advance(10)
    refused = limiter.acquire(ALICE)
    assert refused == LimitDecision(allowed=False, retry_after_s=30.0, reason="per_minute")
    assert "30 seconds" in refused.message


def test_the_window_slides_so_waiting_the_given_time_is_enough(
    store: EventStore, clock: FakeClock
) -> None:
    limiter = RateLimiter(store, NO_BLOCKS, clock)
    for _ in range(3):
        assert limiter.acquire(ALICE).allowed
        clock.advance(10)
    wait = limiter.acquire(ALICE).retry_after_s
    clock.advance(wait - 0.001)
    assert not limiter.acquire(ALICE).allowed
    clock.advance(0.001)
    assert limiter.acquire(ALICE).allowed  # the first one aged out
    assert limiter.acquire(ALICE).retry_after_s == pytest.approx(10)  # the second is next


def test_no_burst_at_the_turn_of_a_minute(store: EventStore, clock: FakeClock) -> None:
    clock.now = clock.now.replace(second=59)
    limiter = RateLimiter(store, NO_BLOCKS, clock)
    assert allowed_count(limiter, ALICE, 3) == 3
    clock.advance(2)  # a new calendar minute, same sliding window
    assert not limiter.acquire(ALICE).allowed


def test_refused_requests_are_not_counted(store: EventStore, clock: FakeClock) -> None:
    limiter = RateLimiter(store, NO_BLOCKS, clock)
    assert allowed_count(limiter, ALICE, 10) == 3
    clock.advance(60)
    assert allowed_count(limiter, ALICE, 10) == 3


def test_the_per_day_limit(store: EventStore, clock: FakeClock) -> None:
    limiter = RateLimiter(store, RateLimits(per_minute=None, per_day=5), clock)
    for _ in range(5):
        assert limiter.acquire(ALICE).allowed
        clock.advance(3600)
    refused = limiter.acquire(ALICE)
    assert (refused.reason, refused.retry_after_s) == ("per_day", 19 * 3600)
    assert "19 hours" in refused.message
    clock.advance(19 * 3600)
    assert limiter.acquire(ALICE).allowed


def test_both_limits_apply_together(store: EventStore, clock: FakeClock) -> None:
    limiter = RateLimiter(store, RateLimits(per_minute=2, per_day=3), clock)
    assert allowed_count(limiter, ALICE, 5) == 2
    clock.advance(60)
    assert allowed_count(limiter, ALICE, 5) == 1
    assert limiter.acquire(ALICE).reason == "per_day"


def test_limits_are_per_client(store: EventStore, clock: FakeClock) -> None:
    limiter = RateLimiter(store, NO_BLOCKS, clock)
    assert allowed_count(limiter, ALICE, 5) == 3
    assert allowed_count(limiter, BOB, 5) == 3


def test_no_limits_means_every_request_passes(store: EventStore, clock: FakeClock) -> None:
    limiter = RateLimiter(store, RateLimits(per_minute=None, per_day=None), clock)
    assert allowed_count(limiter, ALICE, 50) == 50


def test_repeated_blocks_start_a_cooldown(store: EventStore, clock: FakeClock) -> None:
    limits = RateLimits(
        per_minute=None,
        per_day=None,
        block_cooldown_count=5,
        block_cooldown_window_s=600,
        block_cooldown_s=900,
    )
    limiter = RateLimiter(store, limits, clock)
    for _ in range(4):
        assert limiter.record_block(ALICE) is None
        clock.advance(120)
    assert limiter.acquire(ALICE).allowed
    assert limiter.record_block(ALICE) == clock() + timedelta(seconds=900)

    refused = limiter.acquire(ALICE)
    assert (refused.reason, refused.retry_after_s) == ("cooldown", 900)
    assert "15 minutes" in refused.message
    assert limiter.acquire(BOB).allowed
    clock.advance(899)
    assert not limiter.acquire(ALICE).allowed
    clock.advance(1)
    assert limiter.acquire(ALICE).allowed


def test_blocks_spread_wider_than_the_window_start_no_cooldown(
    store: EventStore, clock: FakeClock
) -> None:
    limits = RateLimits(block_cooldown_count=3, block_cooldown_window_s=600)
    limiter = RateLimiter(store, limits, clock)
    for _ in range(10):
        assert limiter.record_block(ALICE) is None
        clock.advance(301)
    assert limiter.acquire(ALICE).allowed


def test_a_ban_refuses_until_it_expires(store: EventStore, clock: FakeClock) -> None:
    limiter = RateLimiter(store, RateLimits(), clock)
    until = clock() + timedelta(days=3)
    limiter.ban(ALICE, until, reason="repeated attempts", moderator="mod-ana")
    refused = limiter.acquire(ALICE)
    assert (refused.reason, refused.retry_after_s) == ("banned", 3 * 86400)
    assert "3 days" in refused.message
    assert limiter.acquire(BOB).allowed
    [ban] = limiter.bans()
    assert (ban.client_hash, ban.until, ban.reason) == (ALICE, until, "repeated attempts")
    clock.advance(3 * 86400)
    assert limiter.acquire(ALICE).allowed
    assert limiter.bans() == []


def test_an_unban_lifts_the_ban_at_once_and_both_are_audited(
    store: EventStore, clock: FakeClock
) -> None:
    limiter = RateLimiter(store, RateLimits(), clock)
    limiter.ban(ALICE, clock() + timedelta(days=30), reason="spam", moderator="mod-ana")
    limiter.unban(ALICE, moderator="mod-ben", reason="mistaken identity")
    assert limiter.acquire(ALICE).allowed
    actions = [(r.moderator, r.action, r.target) for r in store.moderation_log()]
    assert actions == [("mod-ben", "unban", ALICE), ("mod-ana", "ban", ALICE)]


def test_purge_keeps_a_client_whose_ban_is_still_running(
    store: EventStore, clock: FakeClock
) -> None:
    limiter = RateLimiter(store, RateLimits(), clock)
    limiter.ban(ALICE, clock() + timedelta(days=90), reason="abuse", moderator="mod-ana")
    assert limiter.acquire(BOB).allowed
    clock.advance(31 * 86400)
    report = store.purge(older_than_days=30)
    assert report.clients == 1  # Bob
    assert report.rate_rows == 1
    assert limiter.acquire(ALICE).reason == "banned"


def test_a_raw_address_is_refused(store: EventStore, clock: FakeClock) -> None:
    limiter = RateLimiter(store, RateLimits(), clock)
    with pytest.raises(ValueError, match="raw address"):
        limiter.acquire("203.0.113.7")
    with pytest.raises(ValueError, match="raw address"):
        limiter.record_block("2001:db8::1")


def test_an_epoch_seconds_clock_works(store: EventStore, clock: FakeClock) -> None:
    limiter = RateLimiter(store.engine, NO_BLOCKS, lambda: clock().timestamp())
    assert allowed_count(limiter, ALICE, 5) == 3


def test_a_locked_database_fails_closed(
    database_url: str,
    clock: FakeClock,
    write_lock: Callable[[], AbstractContextManager[None]],
) -> None:
    with EventStore.from_url(database_url, clock=clock, write_timeout_s=0.2) as store:
        limiter = RateLimiter(store, NO_BLOCKS, clock)
        with write_lock(), pytest.raises(StoreError):
            limiter.acquire(ALICE)
        assert allowed_count(limiter, ALICE, 5) == 3


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.2, "1 second"),
        (30, "30 seconds"),
        (90, "90 seconds"),
        (91, "2 minutes"),
        (900, "15 minutes"),
        (3 * 3600, "3 hours"),
        (19 * 3600, "19 hours"),
        (3 * 86400, "3 days"),
    ],
)
def test_waits_read_naturally_and_round_up(seconds: float, text: str) -> None:
    assert wait_text(seconds) == text


@pytest.mark.parametrize(
    "limits",
    [
        {"per_minute": 0},
        {"per_day": -1},
        {"block_cooldown_count": 0},
        {"block_cooldown_window_s": 0},
        {"block_cooldown_s": -5},
    ],
)
def test_nonsensical_limits_are_refused(limits: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RateLimits(**limits)
