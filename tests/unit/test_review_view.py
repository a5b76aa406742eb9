"""What the review tab shows for a queued request: plain text, the rule before the findings."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import gradio as gr
import pytest

from components.handlers import REVIEW_PROGRESS
from components.policy_editor import check_summary, revision_rows
from components.review import (
    ban_rows,
    item_details,
    queue_rows,
    verdict_details,
)
from components.review_parts import user_errors
from safety.moderators import NotAuthorised, SignInLocked
from safety.policy_revisions import PolicyRevision
from safety.ratelimit import Ban
from safety.store import RequestEvent, ReviewItem, ReviewStatus
from safety.verdict import Action, Finding, Verdict
from service.errors import InvalidRequest
from service.moderation import PolicyCheck

FINDINGS = (Finding("keywords", "hate", 1.0, 'matched "<slur>" in the plain text'),)
WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
EVENT = RequestEvent.from_verdict(
    Verdict(Action.BLOCK, "hate", 1.0, FINDINGS),
    time=WHEN,
    client_hash="5f2b9c0e4d7a8b1c3e6f9a0b2c4d6e8f",
    session_id="s",
    mode="txt2img",
    prompt="<b>a long prompt</b> " + "with many words " * 20,
    negative_prompt="blurry",
)
ITEM = ReviewItem(
    reference_id="ref-1",
    reason="prompt: block: Hate [hate]\nkeywords -> Hate [hate] 1.00: matched ...",
    status=ReviewStatus.APPEALED,
    findings=FINDINGS,
    thumbnails=(),
    created_at=WHEN,
    event=EVENT,
    appeal_message="I quoted it to condemn it.",
    appealed_at=WHEN,
)


def test_a_queue_row_names_the_rule_and_previews_the_prompt():
    [row] = queue_rows([ITEM])
    reference, status, reason, rules, prompt, queued = row
    assert (reference, status, rules, queued) == ("ref-1", "appealed", "hate", "2026-03-01 12:00")
    assert reason == "prompt: block: Hate [hate]"  # the first line, not every finding
    assert prompt.startswith("<b>a long prompt</b> with many") and prompt.endswith("…")
    assert len(prompt) == 80


def test_details_carry_the_whole_prompt_findings_and_appeal_as_plain_text():
    text = item_details(ITEM)
    assert f"Prompt: {EVENT.prompt}" in text  # unrendered: markup shows as typed
    assert "Negative prompt: blurry" in text
    assert 'keywords -> hate 1.00: matched "<slur>"' in text
    assert "Appealed 2026-03-01 12:00: I quoted it to condemn it." in text
    assert "Decided" not in text


def test_details_say_who_decided_and_when_images_went():
    decided = replace(
        ITEM,
        status=ReviewStatus.UPHELD,
        moderator="alice",
        decided_at=WHEN,
        taken_down_at=WHEN,
    )
    text = item_details(decided)
    assert "Decided 2026-03-01 12:00 by alice: upheld" in text
    assert "Images taken down 2026-03-01 12:00" in text


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (SignInLocked(14 * 60 + 5), "Too many failed sign-ins. Try again in 15 minutes."),
        (NotAuthorised("no"), "That name and password do not match a moderator."),
        (InvalidRequest("Pick a request from the queue first."), "Pick a request"),
    ],
)
def test_refusals_reach_the_moderator_as_messages(error, says):
    def handler() -> None:
        raise error

    with pytest.raises(gr.Error, match=says):
        user_errors(handler)()


def test_every_review_status_has_a_sentence_for_the_person_who_asked():
    assert set(REVIEW_PROGRESS) == {status.value for status in ReviewStatus}
    assert all("{date}" in REVIEW_PROGRESS[s] for s in ("upheld", "overturned"))


def test_a_tried_prompt_shows_what_the_person_would_read_then_the_evidence():
    verdict = Verdict(
        Action.BLOCK,
        "hate",
        1.0,
        FINDINGS,
        explanation="block: Hate [hate]\nkeywords ...",
        message="This request looks like hate.",
    )
    text = verdict_details(verdict)
    assert text.startswith("BLOCK\nThe person would read: This request looks like hate.")
    assert text.endswith("block: Hate [hate]\nkeywords ...")
    assert "(nothing: the request goes ahead)" in verdict_details(Verdict(Action.ALLOW))


def test_a_ban_row_names_its_request_and_only_a_prefix_of_the_pseudonym():
    [row] = ban_rows([Ban(EVENT.client_hash, WHEN, "spam (request ref-1)")])
    assert row == ["2026-03-01 12:00", "spam (request ref-1)", "5f2b9c0e4d7a…"]


def test_a_checked_policy_says_whether_it_is_live_and_lists_its_changes(policy):
    checked = check_summary(PolicyCheck(policy, ["sexual: action block -> warn"]))
    assert checked.startswith("Valid, not applied yet. Policy 2026-")
    assert checked.endswith("- sexual: action block -> warn")
    revision = PolicyRevision(
        7, datetime(2026, 12, 4, 9, 30, tzinfo=timezone.utc), "alice", "ab", "v2", "text", "why"
    )
    applied = check_summary(PolicyCheck(policy, [], revision))
    assert applied.startswith("Applied as revision 7.")
    assert applied.endswith("No change from the live policy.")
    assert revision_rows([revision]) == [["2026-12-04 09:30", "alice", "v2", "why"]]
