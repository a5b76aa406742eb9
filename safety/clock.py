"""One notion of "now" for code that must be testable without sleeping.

Limits, cooldowns, retention and daily key rotation all depend on the time;
they take a `Clock` so tests can move time by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

#: Returns an aware datetime or epoch seconds.
Clock = Callable[[], "datetime | float"]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime | float) -> datetime:
    """An aware UTC datetime from a clock reading; naive datetimes are refused as ambiguous."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: give the clock a timezone")
        return value.astimezone(timezone.utc)
    return datetime.fromtimestamp(value, tz=timezone.utc)
