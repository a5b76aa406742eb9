"""The moderators' side of the service: read the review queue, decide, take down, ban, and
edit the live policy.

Every call carries the moderator's name and password and is authorised here, on the
server, before anything is read or changed; the review tab is only one way to make these
calls. Failed sign-ins are throttled per client.
Each change lands in the audit log under the moderator's name (the store does that inside
the same transaction).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from safety.clock import Clock, utc_now
from safety.guard import GuardLoadError
from safety.moderators import Moderators, NotAuthorised, SignInThrottle
from safety.policy import Policy, PolicyError
from safety.policy_diff import policy_changes
from safety.policy_revisions import PolicyRevision
from safety.ratelimit import Ban, RateLimiter
from safety.store import (
    EventStore,
    ModerationRecord,
    ReviewItem,
    ReviewStatus,
)
from safety.verdict import Verdict
from service.errors import InvalidRequest, from_store
from service.live_policy import LivePolicy

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_BAN_HOURS = 24 * 365
OPEN = "open"  # the queue's default view: appealed items first, then pending ones
QUEUE_VIEWS = (OPEN, *(status.value for status in ReviewStatus))


@dataclass(frozen=True)
class Credentials:
    """What every moderator call carries: who says they are a moderator, and from where
    (the caller's pseudonym, so failed sign-ins can be throttled per client)."""

    name: str
    password: str
    client: str = ""


@dataclass(frozen=True)
class PolicyCheck:
    """A policy text that parsed and loaded: what it changes from the live policy, and the
    revision it became if it was applied."""

    policy: Policy
    changes: list[str]
    revision: PolicyRevision | None = None


class ModerationDesk:
    """What a signed-in moderator can do, each call authorised on its own."""

    def __init__(
        self,
        moderators: Moderators,
        store: EventStore,
        limiter: RateLimiter,
        policies: LivePolicy,
        clock: Clock = utc_now,
        throttle: SignInThrottle | None = None,
    ) -> None:
        self._moderators = moderators
        self._store = store
        self._limiter = limiter
        self._policies = policies
        self._clock = clock
        self._throttle = throttle or SignInThrottle(clock=clock)

    def sign_in(self, who: Credentials) -> str:
        """The moderator's name; `SignInLocked` while this client is locked out after
        failing too often, else `NotAuthorised` for a wrong name or password. Failures are
        logged with the name and client, never the password."""
        self._throttle.check(who.client)
        try:
            name = self._moderators.authenticate(who.name, who.password)
        except NotAuthorised:
            self._throttle.failed(who.client)
            log.warning("moderator sign-in refused: name %r, client %s", who.name[:64], who.client)
            raise
        self._throttle.succeeded(who.client)
        return name

    def queue(self, who: Credentials, view: str = OPEN) -> list[ReviewItem]:
        self.sign_in(who)
        if view not in QUEUE_VIEWS:
            raise InvalidRequest(f"Choose one of: {', '.join(QUEUE_VIEWS)}.")
        return _in_store(
            lambda: self._store.review_queue(None if view == OPEN else view), _READ_FAILED
        )

    def item(self, who: Credentials, reference_id: str) -> ReviewItem:
        self.sign_in(who)
        reference_id = _reference(reference_id)
        return _in_store(lambda: self._store.review_item(reference_id), _READ_FAILED)

    def decide(self, who: Credentials, reference_id: str, decision: str) -> ReviewItem:
        """Uphold or overturn the verdict on one queued request."""
        moderator = self.sign_in(who)
        reference_id = _reference(reference_id)
        if decision not in (ReviewStatus.UPHELD.value, ReviewStatus.OVERTURNED.value):
            raise InvalidRequest("A decision is either upheld or overturned.")
        _in_store(
            lambda: self._store.resolve_review(reference_id, decision, moderator), _WRITE_FAILED
        )
        return _in_store(lambda: self._store.review_item(reference_id), _READ_FAILED)

    def take_down(self, who: Credentials, reference_id: str) -> int:
        """Delete the thumbnails kept for one request now; returns how many went."""
        moderator = self.sign_in(who)
        reference_id = _reference(reference_id)
        return _in_store(lambda: self._store.takedown(reference_id, moderator), _WRITE_FAILED)

    def ban(self, who: Credentials, reference_id: str, hours: float, reason: str) -> str:
        """Stop the client behind one request from generating for `hours`; returns a
        sentence saying until when. The ban is keyed by the client's pseudonym, which the
        audit log names; no address exists to show."""
        moderator = self.sign_in(who)
        reference_id = _reference(reference_id)
        if not 1 <= (hours or 0) <= MAX_BAN_HOURS:
            raise InvalidRequest(f"A ban lasts between 1 hour and {MAX_BAN_HOURS:,} hours.")
        reason = (reason or "").strip()
        if not reason:
            raise InvalidRequest("Say why, for the audit log.")
        item = _in_store(lambda: self._store.review_item(reference_id), _READ_FAILED)
        until = self._clock() + timedelta(hours=hours)
        _in_store(
            lambda: self._limiter.ban(
                item.event.client_hash, until, f"{reason} (request {reference_id})", moderator
            ),
            _WRITE_FAILED,
        )
        return (
            f"The client behind `{reference_id}` cannot generate until {until:%Y-%m-%d %H:%M} UTC."
        )

    def bans(self, who: Credentials) -> list[Ban]:
        """Bans still running, the soonest to end first."""
        self.sign_in(who)
        return _in_store(self._limiter.bans, _READ_FAILED)

    def unban(self, who: Credentials, reference_id: str, reason: str) -> str:
        """Lift the ban on the client behind one request (a mistaken or served ban)."""
        moderator = self.sign_in(who)
        reference_id = _reference(reference_id)
        reason = (reason or "").strip()
        if not reason:
            raise InvalidRequest("Say why, for the audit log.")
        item = _in_store(lambda: self._store.review_item(reference_id), _READ_FAILED)
        _in_store(
            lambda: self._limiter.unban(
                item.event.client_hash, moderator, f"{reason} (request {reference_id})"
            ),
            _WRITE_FAILED,
        )
        return f"The client behind `{reference_id}` may generate again."

    def try_prompt(self, who: Credentials, prompt: str, negative_prompt: str = "") -> Verdict:
        """What the live policy decides for a prompt, with its evidence: for judging an
        appeal or a rephrasing. Nothing is generated, recorded or counted."""
        self.sign_in(who)
        if not (prompt or "").strip():
            raise InvalidRequest("Type a prompt to check.")
        return self._policies.current().check(prompt, negative_prompt or "")

    def policy_text(self, who: Credentials, deployed: bool = False) -> str:
        """The live policy's YAML, or with `deployed` the owner's file as deployed."""
        self.sign_in(who)
        self._policies.current()
        return self._policies.file.text if deployed else self._policies.text

    def check_policy(self, who: Credentials, text: str) -> PolicyCheck:
        """Validate a policy text and load its checks without making it live; a mistake
        comes back as `InvalidRequest` naming the line."""
        self.sign_in(who)
        live = self._policies.current().policy
        draft = _drafted(lambda: self._policies.draft(text or ""))
        return PolicyCheck(draft.policy, policy_changes(live, draft.policy))

    def apply_policy(self, who: Credentials, text: str, note: str) -> PolicyCheck:
        """Make a policy text live on every replica; the audit log says who and why."""
        moderator = self.sign_in(who)
        note = (note or "").strip()
        if not note:
            raise InvalidRequest("Say what you changed and why, for the audit log.")
        live = self._policies.current().policy
        if (text or "") == self._policies.text:
            raise InvalidRequest("Nothing to apply: that is the live policy.")
        draft = _drafted(lambda: self._policies.draft(text or ""))
        revision = _in_store(lambda: self._policies.apply(draft, moderator, note), _WRITE_FAILED)
        return PolicyCheck(draft.policy, policy_changes(live, draft.policy), revision)

    def policy_history(self, who: Credentials) -> list[PolicyRevision]:
        """Revisions applied on top of the deployed policy file, newest first."""
        self.sign_in(who)
        return _in_store(self._policies.history, _READ_FAILED)

    def audit_log(self, who: Credentials, limit: int = 50) -> list[ModerationRecord]:
        self.sign_in(who)
        return _in_store(lambda: self._store.moderation_log(limit), _READ_FAILED)


_UNKNOWN = "No queued request has that reference."
_READ_FAILED = "The review queue cannot be read right now."
_WRITE_FAILED = "That action was not saved. Nothing changed; please try again."


def _in_store(call: Callable[[], T], failure: str) -> T:
    return from_store(call, unknown=_UNKNOWN, failed=failure)


def _drafted(call: Callable[[], T]) -> T:
    """A policy that does not parse or load is the moderator's to fix: say where."""
    try:
        return call()
    except (PolicyError, GuardLoadError) as error:
        raise InvalidRequest(f"This policy cannot go live: {error}") from None


def _reference(reference_id: str) -> str:
    reference_id = (reference_id or "").strip()
    if not reference_id:
        raise InvalidRequest("Pick a request from the queue first.")
    return reference_id
