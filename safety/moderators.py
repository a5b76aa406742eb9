"""Who may moderate: named accounts with a password each, checked on the server.

A Space owner sets `SAFECANVAS_MODERATORS` (a Space secret) to entries of the form
`name:password`, separated by spaces, commas or new lines. Every moderator action checks the
name and password it was sent, so a hidden tab or a crafted API call gets no further than
the sign-in would. Names go into the audit log; passwords go nowhere.
"""

from __future__ import annotations

import hmac
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

from safety.clock import Clock, utc_now

MIN_PASSWORD_CHARS = 12
_NAME = re.compile(r"[A-Za-z0-9_.@-]{1,64}")


class ModeratorConfigError(ValueError):
    """The moderator accounts are malformed; the app must not start with them."""


class NotAuthorised(PermissionError):
    """The name and password do not belong to a moderator account."""


class SignInLocked(PermissionError):
    """Too many failed sign-ins from this client lately; `retry_after_s` says how long."""

    def __init__(self, retry_after_s: float) -> None:
        super().__init__(f"too many failed sign-ins; retry in {retry_after_s:.0f} s")
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class Moderators:
    """The moderator accounts; none means the Space has no review tab."""

    passwords: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def parse(cls, text: str) -> Moderators:
        """Accounts from `name:password` entries; errors name the entry, never its password."""
        passwords: dict[str, str] = {}
        for number, entry in enumerate(re.split(r"[\s,]+", text.strip()), start=1):
            if not entry:
                continue
            name, colon, password = entry.partition(":")
            if not colon or not _NAME.fullmatch(name):
                raise ModeratorConfigError(
                    f"moderator entry {number} must be name:password, with a name of letters, "
                    "digits and _.@- only"
                )
            if len(password) < MIN_PASSWORD_CHARS:
                raise ModeratorConfigError(
                    f"moderator {name!r} needs a password of at least {MIN_PASSWORD_CHARS} "
                    "characters"
                )
            if name in passwords:
                raise ModeratorConfigError(f"moderator {name!r} is listed twice")
            passwords[name] = password
        return cls(MappingProxyType(passwords))

    @property
    def enabled(self) -> bool:
        return bool(self.passwords)

    def authenticate(self, name: str, password: str) -> str:
        """The moderator's name if the password is theirs, else `NotAuthorised`.

        The password is compared in constant time against every account, known name or
        not, so the time taken says nothing about which names exist.
        """
        name, password = str(name or "").strip(), str(password or "")
        matched = False
        for account, secret in self.passwords.items():
            same_password = hmac.compare_digest(secret.encode(), password.encode())
            matched |= same_password and hmac.compare_digest(account.encode(), name.encode())
        if not matched:
            raise NotAuthorised("that name and password do not belong to a moderator")
        return name


class SignInThrottle:
    """Failed sign-ins per client (its pseudonym): after `max_failures` within `window`,
    that client may not try again for `lockout`, right password or not.

    Per client rather than per name, so nobody can lock a moderator out by failing their
    name. Kept in this process's memory: each replica throttles on its own, which bounds
    guessing as well, and a restart forgets nothing that matters.
    """

    def __init__(
        self,
        max_failures: int = 5,
        window: timedelta = timedelta(minutes=10),
        lockout: timedelta = timedelta(minutes=15),
        clock: Clock = utc_now,
        max_clients: int = 10_000,
    ) -> None:
        self._max_failures, self._window, self._lockout = max_failures, window, lockout
        self._clock, self._max_clients = clock, max_clients
        self._failures: dict[str, list[datetime]] = {}
        self._locked_until: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def check(self, client: str) -> None:
        """Raise `SignInLocked` while `client` is locked out."""
        with self._lock:
            until = self._locked_until.get(client)
            now = self._clock()
            if until is not None and until > now:
                raise SignInLocked((until - now).total_seconds())

    def failed(self, client: str) -> None:
        with self._lock:
            now = self._clock()
            if len(self._failures) >= self._max_clients:
                self._forget_stale(now)
            recent = [t for t in self._failures.get(client, []) if now - t < self._window]
            recent.append(now)
            self._failures[client] = recent
            if len(recent) >= self._max_failures:
                self._locked_until[client] = now + self._lockout
                del self._failures[client]

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)

    def _forget_stale(self, now: datetime) -> None:
        self._failures = {
            c: times for c, times in self._failures.items() if now - times[-1] < self._window
        }
        self._locked_until = {c: t for c, t in self._locked_until.items() if t > now}
