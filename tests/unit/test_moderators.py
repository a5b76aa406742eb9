"""Moderator accounts: parsing the Space secret and checking a name and password."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from safety.moderators import (
    ModeratorConfigError,
    Moderators,
    NotAuthorised,
    SignInLocked,
    SignInThrottle,
)
from tests.unit.conftest import FakeClock

ACCOUNTS = "alice:correct-horse-battery, bob:staple-staple-staple\ncarol:c4r0l-passphrase"


def test_entries_split_on_spaces_commas_and_new_lines() -> None:
    moderators = Moderators.parse(ACCOUNTS)
    assert sorted(moderators.passwords) == ["alice", "bob", "carol"]
    assert moderators.enabled


def test_no_accounts_means_no_review_tab() -> None:
    assert not Moderators.parse("").enabled
    assert not Moderators.parse("  \n ").enabled
    assert not Moderators().enabled


def test_a_password_may_contain_colons() -> None:
    moderators = Moderators.parse("dana:pass:word:with:colons")
    assert moderators.authenticate("dana", "pass:word:with:colons") == "dana"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("alice", "entry 1 must be name:password"),
        ("alice:correct-horse-battery bob", "entry 2 must be name:password"),
        ("al ice:correct-horse-battery", "entry 1 must be name:password"),
        ("<script>:correct-horse-battery", "entry 1 must be name:password"),
        ("alice:short", "at least 12 characters"),
        ("alice:correct-horse-battery alice:another-long-password", "listed twice"),
    ],
)
def test_a_malformed_entry_is_refused_naming_it_but_never_its_password(text, says) -> None:
    with pytest.raises(ModeratorConfigError, match=says) as refused:
        Moderators.parse(text)
    for secret in ("correct-horse-battery", "short", "another-long-password"):
        assert secret not in str(refused.value)


def test_the_right_password_signs_in_as_its_owner() -> None:
    moderators = Moderators.parse(ACCOUNTS)
    assert moderators.authenticate("alice", "correct-horse-battery") == "alice"
    assert moderators.authenticate(" bob ", "staple-staple-staple") == "bob"


@pytest.mark.parametrize(
    ("name", "password"),
    [
        ("alice", "staple-staple-staple"),  # another moderator's password
        ("alice", "correct-horse-batter"),
        ("alice", ""),
        ("", "correct-horse-battery"),
        ("mallory", "correct-horse-battery"),
        (None, None),
    ],
)
def test_anything_else_is_refused(name, password) -> None:
    with pytest.raises(NotAuthorised):
        Moderators.parse(ACCOUNTS).authenticate(name, password)


def test_with_no_accounts_nobody_signs_in() -> None:
    with pytest.raises(NotAuthorised):
        Moderators().authenticate("", "")


@pytest.fixture
def throttle_clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc))


def test_failures_spread_wider_than_the_window_never_lock_out(throttle_clock) -> None:
    throttle = SignInThrottle(max_failures=3, window=timedelta(minutes=10), clock=throttle_clock)
    for _ in range(10):
        throttle.failed("client")
        throttle_clock.advance(6 * 60)  # at most two failures inside any ten minutes
        throttle.check("client")


def test_a_success_clears_the_count(throttle_clock) -> None:
    throttle = SignInThrottle(max_failures=3, clock=throttle_clock)
    throttle.failed("client")
    throttle.failed("client")
    throttle.succeeded("client")
    throttle.failed("client")
    throttle.failed("client")
    throttle.check("client")


def test_the_lockout_is_per_client_and_ends(throttle_clock) -> None:
    throttle = SignInThrottle(max_failures=2, lockout=timedelta(minutes=15), clock=throttle_clock)
    throttle.failed("guesser")
    throttle.failed("guesser")
    with pytest.raises(SignInLocked):
        throttle.check("guesser")
    throttle.check("someone-else")
    throttle_clock.advance(15 * 60)
    throttle.check("guesser")


def test_memory_stays_bounded_under_many_clients(throttle_clock) -> None:
    throttle = SignInThrottle(max_failures=5, max_clients=100, clock=throttle_clock)
    for number in range(1000):
        throttle.failed(f"client-{number}")
        throttle_clock.advance(60)  # older failures leave the ten-minute window
    assert len(throttle._failures) <= 100
