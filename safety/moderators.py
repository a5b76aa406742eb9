"""Who may moderate: named accounts with a password each, checked on the server.

A Space owner sets `SAFECANVAS_MODERATORS` (a Space secret) to entries of the form
`name:password`, separated by spaces, commas or new lines. Every moderator action checks the
name and password it was sent, so a hidden tab or a crafted API call gets no further than
the sign-in would. Names go into the audit log; passwords go nowhere.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

MIN_PASSWORD_CHARS = 12
_NAME = re.compile(r"[A-Za-z0-9_.@-]{1,64}")


class ModeratorConfigError(ValueError):
    """The moderator accounts are malformed; the app must not start with them."""


class NotAuthorised(PermissionError):
    """The name and password do not belong to a moderator account."""


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
