"""Who has accepted the terms (and confirmed their age), per browser or API session.

The browser remembers its acceptance locally and re-states it on each page load; the server
keeps the sessions that have accepted, so an API client that skips the UI must accept too.
"""

from __future__ import annotations

import threading

from safety.policy import PageSettings
from service.errors import InvalidRequest


class TermsNotAccepted(InvalidRequest):
    """Generation was asked for before the terms were accepted."""


class TermsRegistry:
    def __init__(self, page: PageSettings) -> None:
        self._page = page
        self._accepted: set[str] = set()
        self._lock = threading.Lock()

    def accept(self, session_id: str, accepted: bool, age_confirmed: bool) -> None:
        """Record acceptance, or raise `InvalidRequest` saying what is still missing."""
        if not accepted:
            raise InvalidRequest("Tick the box to accept the terms and the usage policy.")
        if self._page.require_age_confirmation and not age_confirmed:
            raise InvalidRequest(
                f"Confirm that you are {self._page.minimum_age} or older to use this Space."
            )
        with self._lock:
            self._accepted.add(session_id)

    def require(self, session_id: str) -> None:
        with self._lock:
            accepted = session_id in self._accepted
        if not accepted:
            raise TermsNotAccepted(
                "Accept the terms of use first (API clients: call /accept_terms in this session)."
            )

    def forget(self, session_id: str) -> None:
        """Drop a session that has ended, so the registry does not grow without bound."""
        with self._lock:
            self._accepted.discard(session_id)
