"""Per-client generation limits, cooldowns after repeated blocks, and moderator bans.

All counting happens inside one database transaction per request, under a
lock on the client's row, so the limits hold across replicas sharing the
database and across threads; nothing is counted in process memory. The
windows slide (a log of recent generations per client), so there is no burst
at the turn of a minute or a day. Counting commits skip the disk flush (see
`safety.db.transaction`); blocks, cooldowns and bans are written durably.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import ModuleType

from sqlalchemy import Connection, Engine, Insert, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from safety.clock import Clock, as_utc, utc_now
from safety.db import transaction
from safety.identity import is_address
from safety.schema import BlockRow, ClientRow, RateHitRow
from safety.store import EventStore, log_moderation_action

log = logging.getLogger(__name__)

MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class RateLimits:
    """How much one hashed client may generate. `None` switches a limit off.

    The defaults are examples; the deployment's settings decide.
    """

    per_minute: int | None = 6
    per_day: int | None = 200
    block_cooldown_count: int | None = 5
    block_cooldown_window_s: float = 600.0
    block_cooldown_s: float = 900.0

    def __post_init__(self) -> None:
        for name in ("per_minute", "per_day", "block_cooldown_count"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be at least 1, or None for no limit")
        if self.block_cooldown_window_s <= 0 or self.block_cooldown_s < 0:
            raise ValueError("cooldown window must be positive and cooldown not negative")


@dataclass(frozen=True)
class LimitDecision:
    """Whether a generation may start; if not, why and for how long to wait."""

    allowed: bool
    retry_after_s: float = 0.0
    reason: str = ""  # "", "per_minute", "per_day", "cooldown" or "banned"

    @property
    def message(self) -> str:
        """What to tell the person, with the time to wait."""
        if self.allowed:
            return ""
        wait = wait_text(self.retry_after_s)
        return {
            "per_minute": f"You have reached the limit of images per minute. Try again in {wait}.",
            "per_day": f"You have reached the limit of images per day. Try again in {wait}.",
            "cooldown": (
                "Several of your recent prompts were blocked, so generation is paused. "
                f"Try again in {wait}."
            ),
            "banned": f"Generation is suspended for you by a moderator for {wait}.",
        }[self.reason]


ALLOWED = LimitDecision(allowed=True)


@dataclass(frozen=True)
class Ban:
    client_hash: str
    until: datetime
    reason: str


def wait_text(seconds: float) -> str:
    """A wait in the largest unit that reads naturally, always rounded up."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds > 2 * size or (unit == "minute" and seconds > 90):
            count = math.ceil(seconds / size)
            return f"{count} {unit}s"
    count = max(1, math.ceil(seconds))
    return f"{count} second" + ("" if count == 1 else "s")


class RateLimiter:
    """Decides, atomically in the shared database, whether a client may generate now."""

    def __init__(
        self, store_or_engine: EventStore | Engine, limits: RateLimits, clock: Clock = utc_now
    ) -> None:
        self._engine = (
            store_or_engine.engine if isinstance(store_or_engine, EventStore) else store_or_engine
        )
        self.limits = limits
        self._clock = clock
        self._windows = [
            (reason, limit, length)
            for reason, limit, length in (
                ("per_minute", limits.per_minute, MINUTE),
                ("per_day", limits.per_day, DAY),
            )
            if limit is not None
        ]
        # Built once: a limit check should cost its queries, not their construction.
        self._count_hits = select(
            *(
                func.count().filter(RateHitRow.at > bindparam(reason))
                for reason, _, _ in self._windows
            )
        ).where(RateHitRow.client_hash == bindparam("client"), RateHitRow.at > bindparam("since"))

    def acquire(self, client_hash: str) -> LimitDecision:
        """Count one generation for `client_hash` if every limit allows it.

        A refused request is not counted, so waiting the advertised time works.
        """
        _check_hash(client_hash)
        now = as_utc(self._clock())
        with transaction(self._engine, durable=False) as connection:
            decision = self._decide(connection, client_hash, now)
            if decision.allowed:
                connection.execute(_INSERT_HIT, {"client_hash": client_hash, "at": now})
                connection.execute(_PRUNE_HITS, {"client": client_hash, "before": now - DAY})
        if not decision.allowed:
            log.info(
                "client %s refused (%s) for %.0f s",
                client_hash,
                decision.reason,
                decision.retry_after_s,
            )
        return decision

    def _decide(self, connection: Connection, client_hash: str, now: datetime) -> LimitDecision:
        cooldown_until, banned_until = _lock_client(connection, client_hash, now)
        if banned_until is not None and banned_until > now:
            return _refuse("banned", banned_until - now)
        if cooldown_until is not None and cooldown_until > now:
            return _refuse("cooldown", cooldown_until - now)
        if not self._windows:
            return ALLOWED
        counts = connection.execute(
            self._count_hits,
            {
                "client": client_hash,
                "since": now - max(length for _, _, length in self._windows),
                **{reason: now - length for reason, _, length in self._windows},
            },
        ).one()
        for (reason, limit, length), count in zip(self._windows, counts, strict=True):
            if count >= limit:
                # The request fits again once enough of the window's hits have aged out.
                oldest_blocking = connection.execute(
                    select(RateHitRow.at)
                    .where(RateHitRow.client_hash == client_hash, RateHitRow.at > now - length)
                    .order_by(RateHitRow.at)
                    .offset(count - limit)
                    .limit(1)
                ).scalar_one()
                return _refuse(reason, oldest_blocking + length - now)
        return ALLOWED

    def record_block(self, client_hash: str) -> datetime | None:
        """Count a blocked prompt; returns when the cooldown ends if this one started it."""
        _check_hash(client_hash)
        count_needed = self.limits.block_cooldown_count
        now = as_utc(self._clock())
        window = timedelta(seconds=self.limits.block_cooldown_window_s)
        mine = BlockRow.client_hash == client_hash
        with transaction(self._engine) as connection:
            _lock_client(connection, client_hash, now)
            connection.execute(insert(BlockRow), [{"client_hash": client_hash, "at": now}])
            connection.execute(delete(BlockRow).where(mine, BlockRow.at <= now - window))
            if count_needed is None:
                return None
            recent = connection.execute(
                select(func.count()).where(mine, BlockRow.at > now - window)
            ).scalar_one()
            if recent < count_needed:
                return None
            until = now + timedelta(seconds=self.limits.block_cooldown_s)
            connection.execute(
                update(ClientRow)
                .where(ClientRow.client_hash == client_hash)
                .values(cooldown_until=until)
            )
        log.info("client %s cooling down until %s", client_hash, until.isoformat())
        return until

    def ban(self, client_hash: str, until: datetime, reason: str, moderator: str) -> None:
        """Stop `client_hash` from generating until `until` (aware datetime)."""
        _check_hash(client_hash)
        now = as_utc(self._clock())
        with transaction(self._engine) as connection:
            _lock_client(connection, client_hash, now)
            connection.execute(
                update(ClientRow)
                .where(ClientRow.client_hash == client_hash)
                .values(banned_until=as_utc(until), ban_reason=reason)
            )
            log_moderation_action(connection, now, moderator, "ban", client_hash, reason)

    def bans(self) -> list[Ban]:
        """Bans still running, the soonest to end first."""
        now = as_utc(self._clock())
        query = (
            select(ClientRow.client_hash, ClientRow.banned_until, ClientRow.ban_reason)
            .where(ClientRow.banned_until > now)
            .order_by(ClientRow.banned_until)
        )
        with transaction(self._engine, read_only=True) as connection:
            return [Ban(h, until, reason or "") for h, until, reason in connection.execute(query)]

    def unban(self, client_hash: str, moderator: str, reason: str = "") -> None:
        now = as_utc(self._clock())
        with transaction(self._engine) as connection:
            connection.execute(
                update(ClientRow)
                .where(ClientRow.client_hash == client_hash)
                .values(banned_until=None, ban_reason=None)
            )
            log_moderation_action(connection, now, moderator, "unban", client_hash, reason)


def _check_hash(client_hash: str) -> None:
    if is_address(client_hash):
        raise ValueError("the rate limiter was given a raw address; hash it first")


def _refuse(reason: str, wait: timedelta) -> LimitDecision:
    return LimitDecision(False, max(0.0, wait.total_seconds()), reason)


def _lock_client(
    connection: Connection, client_hash: str, now: datetime
) -> tuple[datetime | None, datetime | None]:
    """Create or touch the client's row, holding its lock until commit.

    The upsert takes a row lock on PostgreSQL (SQLite already serialises
    writers), so one client's concurrent requests are counted one at a time.
    Returns (cooldown_until, banned_until).
    """
    statement = _UPSERT_CLIENT[connection.dialect.name]
    cooldown_until, banned_until = connection.execute(
        statement, {"client_hash": client_hash, "last_seen": now}
    ).one()
    return cooldown_until, banned_until


def _upsert_client(dialect: ModuleType) -> Insert:
    statement = dialect.insert(ClientRow)
    return statement.on_conflict_do_update(
        index_elements=[ClientRow.client_hash], set_={"last_seen": statement.excluded.last_seen}
    ).returning(ClientRow.cooldown_until, ClientRow.banned_until)


_UPSERT_CLIENT = {"postgresql": _upsert_client(postgresql), "sqlite": _upsert_client(sqlite)}
_INSERT_HIT = insert(RateHitRow)
_PRUNE_HITS = delete(RateHitRow).where(
    RateHitRow.client_hash == bindparam("client"), RateHitRow.at <= bindparam("before")
)
