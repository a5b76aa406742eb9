"""The review tab's policy editor: load the live policy, check an edit, apply it.

An edit goes live for every new request, on every replica, with no restart; the page shows
what it changes before it is applied, and the revisions made on top of the deployed file.
Every button sends the name and password again, and `ModerationDesk` checks them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import gradio as gr

from components.review_parts import read_only_table, user_errors
from safety.policy_revisions import PolicyRevision
from service.live_policy import POLL_S
from service.moderation import Credentials, ModerationDesk, PolicyCheck

REVISION_HEADERS = ["applied (UTC)", "moderator", "version", "note"]


def revision_rows(revisions: Sequence[PolicyRevision]) -> list[list[str]]:
    return [[f"{r.created_at:%Y-%m-%d %H:%M}", r.moderator, r.version, r.note] for r in revisions]


def check_summary(check: PolicyCheck) -> str:
    """What a checked or applied policy is and what it changes, as plain text."""
    policy = check.policy
    state = (
        f"Applied as revision {check.revision.id}." if check.revision else "Valid, not applied yet."
    )
    lines = [
        f"{state} Policy {policy.version}: {len(policy.categories)} categories, "
        f"checks: {', '.join(policy.prompt_checks)}.",
        "",
    ]
    lines += [f"- {change}" for change in check.changes] or ["No change from the live policy."]
    return "\n".join(lines)


def policy_editor(
    desk: ModerationDesk,
    signed_in: list[gr.components.Component],
    signed: Callable[[str, str, gr.Request], Credentials],
    audit: gr.Dataframe,
    audit_rows: Callable[[Credentials], list[list[str]]],
) -> None:
    """The editor, inside the review tab; `audit` is refreshed after an edit is applied."""
    with gr.Accordion("Edit the live policy", open=False):
        gr.Markdown(
            "Thresholds, actions, messages and whole categories (a description and example "
            "prompts are enough: no retraining) take effect for new requests on every replica "
            f"within {POLL_S:.0f} seconds. **Check** shows what an edit changes; **Apply** "
            "makes it live and logs it under your name. Line numbers in error messages are "
            "the editor's."
        )
        with gr.Row():
            load_live = gr.Button("Load the live policy", elem_id="policy-load")
            load_file = gr.Button("Load the deployed file", elem_id="policy-load-file")
        editor = gr.Code(
            language="yaml",
            lines=18,
            max_lines=36,
            interactive=True,
            label="Policy (YAML)",
            elem_id="policy-editor",
        )
        with gr.Row():
            note = gr.Textbox(
                label="What changed and why (for the audit log)", scale=3, elem_id="policy-note"
            )
            check = gr.Button("Check", scale=1, elem_id="policy-check")
            apply = gr.Button("Apply", variant="primary", scale=1, elem_id="policy-apply")
        outcome = gr.Textbox(
            label="Check result", lines=6, interactive=False, elem_id="policy-outcome"
        )
        history = read_only_table(
            REVISION_HEADERS,
            "Revisions of the deployed policy file, newest first",
            "policy-history",
        )

    def loader(deployed: bool) -> Callable[..., tuple[Any, ...]]:
        @user_errors
        def load(name: str, password: str, request: gr.Request) -> tuple[Any, ...]:
            who = signed(name, password, request)
            text = desk.policy_text(who, deployed=deployed)
            return text, revision_rows(desk.policy_history(who)), ""

        return load

    @user_errors
    def check_edit(name: str, password: str, text: str, request: gr.Request) -> str:
        return check_summary(desk.check_policy(signed(name, password, request), text))

    @user_errors
    def apply_edit(
        name: str, password: str, text: str, why: str, request: gr.Request
    ) -> tuple[Any, ...]:
        who = signed(name, password, request)
        applied = desk.apply_policy(who, text, why)
        return check_summary(applied), revision_rows(desk.policy_history(who)), audit_rows(who), ""

    load_live.click(loader(deployed=False), signed_in, [editor, history, outcome])
    load_file.click(loader(deployed=True), signed_in, [editor, history, outcome])
    check.click(check_edit, [*signed_in, editor], outcome, api_name="review_check_policy")
    apply.click(
        apply_edit,
        [*signed_in, editor, note],
        [outcome, history, audit, note],
        api_name="review_apply_policy",
    )
