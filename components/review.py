"""The moderators' review tab: sign in, read the queue, decide, take down, ban, try a
prompt under the live policy, and edit that policy (`components.policy_editor`).

Every button sends the name and password again and `ModerationDesk` checks them on the
server, so this tab is a convenience, not the lock. Prompts are shown as plain text, never
rendered as Markdown or HTML: they are written by the people being moderated.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import gradio as gr
from PIL import Image

from components.handlers import client_context
from components.policy_editor import policy_editor
from components.review_parts import read_only_table, user_errors
from safety.ratelimit import Ban
from safety.store import ModerationRecord, ReviewItem
from safety.verdict import Verdict
from service.generate import ClientContext
from service.moderation import OPEN, QUEUE_VIEWS, Credentials, ModerationDesk

QUEUE_HEADERS = ["reference", "status", "reason", "rules", "prompt", "queued (UTC)"]
LOG_HEADERS = ["when (UTC)", "moderator", "action", "target", "note"]
BAN_HEADERS = ["until (UTC)", "reason", "client"]
PROMPT_PREVIEW_CHARS = 80


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else ""


def _preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PROMPT_PREVIEW_CHARS else text[: PROMPT_PREVIEW_CHARS - 1] + "…"


def _headline(reason: str) -> str:
    """The first line of a queued item's reason: the stage and the rule, not every finding."""
    return reason.strip().splitlines()[0] if reason.strip() else ""


def queue_rows(items: Sequence[ReviewItem]) -> list[list[str]]:
    """One table row per queued request, oldest first as the store returns them."""
    return [
        [
            item.reference_id,
            item.status.value,
            _headline(item.reason),
            ", ".join(item.event.categories),
            _preview(item.event.prompt),
            _when(item.created_at),
        ]
        for item in items
    ]


def ban_rows(bans: Sequence[Ban]) -> list[list[str]]:
    """Running bans; the reason names the request the ban was made from, which is how a
    moderator lifts it."""
    return [[_when(b.until), b.reason, b.client_hash[:12] + "…"] for b in bans]


def log_rows(records: Sequence[ModerationRecord]) -> list[list[str]]:
    return [[_when(r.at), r.moderator, r.action, r.target, r.note] for r in records]


def item_details(item: ReviewItem) -> str:
    """Everything a moderator needs to decide, as plain text."""
    event = item.event
    lines = [
        f"Request {item.reference_id}: {item.status.value} ({_headline(item.reason)})",
        f"Mode: {event.mode}    Model: {event.model_id}    Policy: {event.policy_version}",
        f"Verdict: {event.action.value}"
        + (f" ({', '.join(event.categories)})" if event.categories else ""),
        "",
        f"Prompt: {event.prompt}",
    ]
    if event.negative_prompt:
        lines.append(f"Negative prompt: {event.negative_prompt}")
    if event.normalized_prompt and event.normalized_prompt != event.prompt:
        lines.append(f"Read as: {event.normalized_prompt}")
    lines += ["", "Findings:"]
    lines += [
        f"  {f.check} -> {f.category} {f.score:.2f}" + (f": {f.evidence}" if f.evidence else "")
        for f in item.findings
    ] or ["  none recorded"]
    if item.appealed_at:
        lines += [
            "",
            f"Appealed {_when(item.appealed_at)}: {item.appeal_message or '(no message)'}",
        ]
    if item.decided_at:
        lines.append(f"Decided {_when(item.decided_at)} by {item.moderator}: {item.status.value}")
    if item.taken_down_at:
        lines.append(f"Images taken down {_when(item.taken_down_at)}")
    return "\n".join(lines)


def verdict_details(verdict: Verdict) -> str:
    """A checked prompt's verdict as a moderator reads it: what the person would be told,
    then every finding with its evidence."""
    told = verdict.message or "(nothing: the request goes ahead)"
    return f"{verdict.action.value.upper()}\nThe person would read: {told}\n\n{verdict.explanation}"


def _thumbnails(item: ReviewItem) -> list[Image.Image]:
    return [Image.open(io.BytesIO(png)) for png in item.thumbnails]


def review_tab(desk: ModerationDesk, identify: Callable[[ClientContext], str]) -> gr.Tab:
    """The tab; `identify` turns a connection into the client's pseudonym (for throttling
    failed sign-ins)."""

    def signed(name: str, password: str, request: gr.Request | None) -> Credentials:
        return Credentials(str(name or ""), str(password or ""), identify(client_context(request)))

    with gr.Tab("Review", id="review", elem_id="review-tab") as tab:
        gr.Markdown(
            "For moderators: requests that were blocked, flagged or appealed. Images are kept "
            "only as blurred thumbnails; every action is logged under your name."
        )
        with gr.Row():
            name = gr.Textbox(label="Moderator name", elem_id="review-name", scale=2)
            password = gr.Textbox(
                label="Password", type="password", elem_id="review-password", scale=2
            )
            view = gr.Dropdown(list(QUEUE_VIEWS), value=OPEN, label="Show", scale=1)
            open_queue = gr.Button("Open queue", variant="primary", elem_id="review-open", scale=1)
        queue = read_only_table(
            QUEUE_HEADERS,
            "Queue (appealed first, then oldest first): click a row to review it",
            "review-queue",
        )
        reference = gr.Textbox(label="Reference", interactive=False, elem_id="review-reference")
        with gr.Row():
            details = gr.Textbox(
                label="Request", lines=12, interactive=False, elem_id="review-details", scale=3
            )
            thumbnails = gr.Gallery(
                label="Blurred thumbnails",
                columns=2,
                height=240,
                interactive=False,
                scale=2,
                elem_id="review-thumbnails",
            )
        with gr.Row():
            uphold = gr.Button("Uphold the decision", elem_id="review-uphold")
            overturn = gr.Button("Overturn it", elem_id="review-overturn")
            take_down = gr.Button("Take down images", variant="stop", elem_id="review-takedown")
        with gr.Accordion("Ban or unban the client behind this request", open=False):
            with gr.Row():
                ban_hours = gr.Number(label="Hours", value=24, minimum=1, precision=0)
                ban_reason = gr.Textbox(label="Reason (for the audit log)", scale=3)
                ban = gr.Button("Ban", variant="stop", elem_id="review-ban")
                unban = gr.Button("Lift the ban", elem_id="review-unban")
            bans = read_only_table(
                BAN_HEADERS, "Running bans, the soonest to end first", "review-bans"
            )
        with gr.Accordion("Try a prompt under the live policy", open=False):
            with gr.Row():
                trial_prompt = gr.Textbox(label="Prompt", elem_id="review-try-prompt", scale=3)
                trial_negative = gr.Textbox(label="Negative prompt", scale=2)
                try_it = gr.Button("Check", elem_id="review-try", scale=1)
            trial_verdict = gr.Textbox(
                label="Verdict and evidence", lines=6, interactive=False, elem_id="review-verdict"
            )
        # Made here, shown last: the policy editor refreshes it.
        audit = read_only_table(LOG_HEADERS, "Audit log, newest first", "review-log", render=False)
        policy_editor(
            desk, [name, password], signed, audit, lambda who: log_rows(desk.audit_log(who))
        )
        status = gr.Markdown(elem_id="review-status")
        audit.render()

    @user_errors
    def show_queue(name: str, password: str, view: str, request: gr.Request) -> tuple[Any, ...]:
        who = signed(name, password, request)
        items = desk.queue(who, view)
        return (
            queue_rows(items),
            log_rows(desk.audit_log(who)),
            ban_rows(desk.bans(who)),
            f"{len(items)} request(s) shown.",
        )

    @user_errors
    def show_item(
        name: str, password: str, evt: gr.SelectData, request: gr.Request
    ) -> tuple[Any, ...]:
        item = desk.item(signed(name, password, request), str((evt.row_value or [""])[0]))
        return item.reference_id, item_details(item), _thumbnails(item)

    def deciding(decision: str) -> Callable[..., tuple[Any, ...]]:
        @user_errors
        def decide(
            name: str, password: str, reference_id: str, view: str, request: gr.Request
        ) -> tuple[Any, ...]:
            who = signed(name, password, request)
            item = desk.decide(who, reference_id, decision)
            return (
                item_details(item),
                queue_rows(desk.queue(who, view)),
                log_rows(desk.audit_log(who)),
                f"Request `{item.reference_id}`: {decision}.",
            )

        return decide

    @user_errors
    def remove_images(
        name: str, password: str, reference_id: str, request: gr.Request
    ) -> tuple[Any, ...]:
        who = signed(name, password, request)
        removed = desk.take_down(who, reference_id)
        item = desk.item(who, reference_id)
        return (
            item_details(item),
            _thumbnails(item),
            log_rows(desk.audit_log(who)),
            f"{removed} image(s) deleted for `{reference_id}`.",
        )

    @user_errors
    def ban_client(
        name: str,
        password: str,
        reference_id: str,
        hours: float,
        reason: str,
        request: gr.Request,
    ) -> tuple[Any, ...]:
        who = signed(name, password, request)
        said = desk.ban(who, reference_id, hours, reason)
        return log_rows(desk.audit_log(who)), ban_rows(desk.bans(who)), said

    @user_errors
    def unban_client(
        name: str, password: str, reference_id: str, reason: str, request: gr.Request
    ) -> tuple[Any, ...]:
        who = signed(name, password, request)
        said = desk.unban(who, reference_id, reason)
        return log_rows(desk.audit_log(who)), ban_rows(desk.bans(who)), said

    @user_errors
    def check_prompt(
        name: str, password: str, prompt: str, negative: str, request: gr.Request
    ) -> str:
        return verdict_details(desk.try_prompt(signed(name, password, request), prompt, negative))

    signed_in = [name, password]
    open_queue.click(
        show_queue, [*signed_in, view], [queue, audit, bans, status], api_name="review_queue"
    )
    queue.select(show_item, signed_in, [reference, details, thumbnails])
    for button, decision in ((uphold, "upheld"), (overturn, "overturned")):
        button.click(
            deciding(decision),
            [*signed_in, reference, view],
            [details, queue, audit, status],
            api_name=f"review_{decision}",
        )
    take_down.click(
        remove_images,
        [*signed_in, reference],
        [details, thumbnails, audit, status],
        api_name="review_takedown",
    )
    ban.click(
        ban_client,
        [*signed_in, reference, ban_hours, ban_reason],
        [audit, bans, status],
        api_name="review_ban",
    )
    unban.click(
        unban_client,
        [*signed_in, reference, ban_reason],
        [audit, bans, status],
        api_name="review_unban",
    )
    try_it.click(
        check_prompt,
        [*signed_in, trial_prompt, trial_negative],
        trial_verdict,
        api_name="review_try_prompt",
    )
    return tab
