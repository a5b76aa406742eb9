"""The moderators' desk on a real SQLite store: every call is authorised on the server,
and every change is in the audit log under the moderator's name."""

from __future__ import annotations

import pytest

from safety.moderators import Moderators, NotAuthorised, SignInLocked
from safety.ratelimit import RateLimiter, RateLimits
from safety.store import EventStore, ReviewStatus
from service.errors import InvalidRequest
from service.moderation import Credentials, ModerationDesk
from tests.unit.conftest import FakeClock
from tests.unit.test_store import CLIENT, FINDINGS, THUMBNAIL, make_event

NAME, PASSWORD = "alice", "correct-horse-battery"
WHO = Credentials(NAME, PASSWORD, client="moderators-client-pseudonym")


@pytest.fixture
def limiter(store: EventStore, clock: FakeClock) -> RateLimiter:
    return RateLimiter(store, RateLimits(per_minute=None, per_day=None), clock=clock)


@pytest.fixture
def desk(store: EventStore, limiter: RateLimiter, live_policy, clock: FakeClock) -> ModerationDesk:
    moderators = Moderators.parse(f"{NAME}:{PASSWORD}")
    return ModerationDesk(moderators, store, limiter, live_policy, clock=clock)


@pytest.fixture
def queued(store: EventStore, clock: FakeClock) -> str:
    """A blocked request in the queue, with its blurred thumbnail."""
    reference_id = store.record_event(make_event(clock))
    store.add_review_item(reference_id, "blocked", THUMBNAIL, FINDINGS)
    return reference_id


def test_the_queue_shows_appealed_requests_first(desk, store, clock, queued) -> None:
    clock.advance(60)
    later = store.record_event(make_event(clock, prompt="a second request"))
    store.add_review_item(later, "blocked", None, FINDINGS)
    store.appeal(later, "it was a cooking video")

    items = desk.queue(WHO)

    assert [i.reference_id for i in items] == [later, queued]
    assert [i.reference_id for i in desk.queue(WHO, "appealed")] == [later]
    assert desk.item(WHO, queued).thumbnails == (THUMBNAIL,)


def test_every_call_refuses_a_wrong_password_and_changes_nothing(desk, store, queued) -> None:
    calls = [
        lambda who: desk.queue(who),
        lambda who: desk.item(who, queued),
        lambda who: desk.decide(who, queued, "overturned"),
        lambda who: desk.take_down(who, queued),
        lambda who: desk.ban(who, queued, 24, "spam"),
        lambda who: desk.audit_log(who),
        lambda who: desk.bans(who),
        lambda who: desk.unban(who, queued, "mistake"),
        lambda who: desk.try_prompt(who, "a skull and crossbones flag"),
    ]
    for number, call in enumerate(calls):  # each from its own client: no lockout here
        with pytest.raises(NotAuthorised):
            call(Credentials(NAME, "not-the-password", client=f"client-{number}"))
    item = store.review_item(queued)
    assert item.status == ReviewStatus.PENDING and item.thumbnails == (THUMBNAIL,)
    assert store.moderation_log() == []


def test_a_decision_is_recorded_with_the_moderators_name(desk, store, queued) -> None:
    item = desk.decide(WHO, queued, "overturned")

    assert item.status == ReviewStatus.OVERTURNED and item.moderator == NAME
    assert queued not in [i.reference_id for i in desk.queue(WHO)]
    [record] = desk.audit_log(WHO)
    assert (record.moderator, record.action, record.target) == (NAME, "review:overturned", queued)


@pytest.mark.parametrize("decision", ["pending", "appealed", "deleted", ""])
def test_only_uphold_and_overturn_are_decisions(desk, queued, decision) -> None:
    with pytest.raises(InvalidRequest):
        desk.decide(WHO, queued, decision)


def test_a_takedown_deletes_the_thumbnails_at_once(desk, queued) -> None:
    assert desk.take_down(WHO, queued) == 1
    item = desk.item(WHO, queued)
    assert item.thumbnails == () and item.taken_down_at is not None
    assert desk.audit_log(WHO)[0].action == "takedown"


def test_a_ban_stops_the_client_behind_the_request(desk, limiter, clock, queued) -> None:
    assert limiter.acquire(CLIENT).allowed

    said = desk.ban(WHO, queued, 48, "repeated attempts at gore")

    assert "2026-03-03 12:00" in said and CLIENT not in said
    decision = limiter.acquire(CLIENT)
    assert not decision.allowed and decision.reason == "banned"
    [record] = desk.audit_log(WHO)
    assert record.action == "ban" and record.moderator == NAME
    assert record.note == f"repeated attempts at gore (request {queued})"
    clock.advance(48 * 3600 + 1)
    assert limiter.acquire(CLIENT).allowed


@pytest.mark.parametrize(
    ("hours", "reason"), [(0, "spam"), (0.5, "spam"), (10**6, "spam"), (24, " ")]
)
def test_a_ban_needs_a_sane_length_and_a_reason(desk, limiter, queued, hours, reason) -> None:
    with pytest.raises(InvalidRequest):
        desk.ban(WHO, queued, hours, reason)
    assert limiter.acquire(CLIENT).allowed


@pytest.mark.parametrize("reference_id", ["", "   ", "no-such-reference"])
def test_an_unknown_reference_is_a_clear_error(desk, reference_id) -> None:
    with pytest.raises(InvalidRequest):
        desk.item(WHO, reference_id)
    with pytest.raises(InvalidRequest):
        desk.decide(WHO, reference_id, "upheld")


def test_an_unknown_queue_view_is_a_clear_error(desk) -> None:
    with pytest.raises(InvalidRequest):
        desk.queue(WHO, "everything")


def test_a_client_that_keeps_failing_is_locked_out_even_with_the_right_password(
    desk, clock
) -> None:
    guesser = Credentials(NAME, "guess", client="guessing-client")
    for _ in range(5):
        with pytest.raises(NotAuthorised):
            desk.queue(guesser)

    with pytest.raises(SignInLocked) as locked:
        desk.queue(Credentials(NAME, PASSWORD, client="guessing-client"))
    assert locked.value.retry_after_s == 15 * 60
    assert desk.queue(WHO) == []  # the moderator, from their own client, is not locked out

    clock.advance(15 * 60)
    assert desk.queue(Credentials(NAME, PASSWORD, client="guessing-client")) == []


def test_a_moderator_can_try_a_prompt_without_it_being_recorded_or_counted(
    desk, store, limiter
) -> None:
    verdict = desk.try_prompt(WHO, "a skull and crossbones flag")
    assert not verdict.allowed and verdict.category == "unsafe-symbol"
    assert "skull and crossbones" in verdict.explanation  # the evidence, for moderators
    assert desk.try_prompt(WHO, "a red circle on a blue background").allowed
    assert store.review_queue() == [] and store.moderation_log() == []
    with pytest.raises(InvalidRequest):
        desk.try_prompt(WHO, "   ")


def test_a_ban_can_be_lifted_from_the_request_it_was_made_from(desk, limiter, queued) -> None:
    desk.ban(WHO, queued, 24, "spam")
    [ban] = desk.bans(WHO)
    assert ban.client_hash == CLIENT and ban.reason == f"spam (request {queued})"

    with pytest.raises(InvalidRequest):
        desk.unban(WHO, queued, "  ")  # a reason is required
    assert not limiter.acquire(CLIENT).allowed

    desk.unban(WHO, queued, "wrong client")
    assert desk.bans(WHO) == [] and limiter.acquire(CLIENT).allowed
    lifted = desk.audit_log(WHO)[0]
    assert (lifted.action, lifted.moderator) == ("unban", NAME)
    assert lifted.note == f"wrong client (request {queued})"


def test_a_moderator_checks_then_applies_a_policy_edit_that_is_logged(desk, store) -> None:
    from tests.unit.test_live_policy import NUDE, sexual_warns

    live = desk.policy_text(WHO)
    checked = desk.check_policy(WHO, sexual_warns(live))
    version = checked.policy.version
    assert checked.revision is None and checked.changes == [
        f"version: {version.split('+')[0]} -> {version}",  # an edit is told from the file
        "sexual: action block -> warn",
    ]
    assert not desk.try_prompt(WHO, NUDE).allowed  # checking changed nothing

    applied = desk.apply_policy(WHO, sexual_warns(live), "  warn while we review the list ")

    assert applied.revision is not None and applied.changes == checked.changes
    assert desk.try_prompt(WHO, NUDE).action.value == "warn"
    assert desk.policy_text(WHO) == sexual_warns(live) != desk.policy_text(WHO, deployed=True)
    [record] = desk.audit_log(WHO)
    assert (record.moderator, record.action, record.note) == (
        NAME,
        "policy:apply",
        "warn while we review the list",
    )
    assert [r.id for r in desk.policy_history(WHO)] == [applied.revision.id]


def test_a_policy_edit_needs_a_note_a_change_and_no_mistakes(desk, store) -> None:
    live = desk.policy_text(WHO)
    for text, note, said in [
        (live.replace("minimum_age: 18", "minimum_age: 21"), " ", "Say what you changed"),
        (live, "no change", "Nothing to apply"),
        (live.replace("action: block", "action: obliterate", 1), "typo", "policy.yaml \\(draft\\)"),
    ]:
        with pytest.raises(InvalidRequest, match=said):
            desk.apply_policy(WHO, text, note)
    with pytest.raises(InvalidRequest, match="action must be one of"):
        desk.check_policy(WHO, live.replace("action: block", "action: obliterate", 1))
    assert desk.policy_history(WHO) == [] and store.moderation_log() == []


def test_policy_calls_refuse_a_wrong_password(desk) -> None:
    live = desk.policy_text(WHO)
    intruder = Credentials(NAME, "not-the-password", client="intruder")
    calls = [
        lambda: desk.policy_text(intruder),
        lambda: desk.check_policy(intruder, live),
        lambda: desk.apply_policy(intruder, live.replace("minimum_age: 18", "minimum_age: 3"), "x"),
        lambda: desk.policy_history(intruder),
    ]
    for call in calls:
        with pytest.raises(NotAuthorised):
            call()
    assert desk.policy_history(WHO) == []
