"""The terms gate: before the first generation, accept the terms (and confirm age).

The choice is kept in the browser (`gr.BrowserState`) and re-stated to the server on each
page load; the server enforces it for every generation, API calls included.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from components.handlers import client_context
from service.errors import InvalidRequest
from service.generate import GenerationService
from service.notices import POLICY_URL


@dataclass(frozen=True)
class TermsGate:
    panel: gr.Column
    remembered: gr.BrowserState
    accept: gr.Checkbox
    age: gr.Checkbox
    button: gr.Button
    error: gr.Markdown


def terms_gate(service: GenerationService) -> TermsGate:
    page = service.safety.policy.page
    remembered = gr.BrowserState(None, storage_key="safecanvas-terms")
    # Hidden until the page's load event has asked the browser whether it accepted already.
    with gr.Column(visible=False, elem_id="terms-gate") as panel:
        gr.Markdown(f"## Before you start\n\n{page.terms}\n\n[Read the usage policy]({POLICY_URL})")
        accept = gr.Checkbox(
            label="I accept the terms and the usage policy", elem_id="terms-accept"
        )
        age = gr.Checkbox(
            label=f"I am {page.minimum_age} or older",
            visible=page.require_age_confirmation,
            elem_id="terms-age",
        )
        button = gr.Button("Continue", variant="primary", elem_id="terms-continue")
        error = gr.Markdown(elem_id="terms-error")
    return TermsGate(panel, remembered, accept, age, button, error)


def wire_terms_gate(
    app: gr.Blocks, gate: TermsGate, studio: gr.Column, service: GenerationService
) -> None:
    """Accepting shows the studio; a returning browser that accepted this policy skips the gate."""
    version = service.safety.policy.version
    shown, hidden = gr.Column(visible=True), gr.Column(visible=False)

    def accept(accepted: bool, age_confirmed: bool, request: gr.Request):
        try:
            service.terms.accept(client_context(request).session_id, accepted, age_confirmed)
        except InvalidRequest as error:
            return gr.skip(), gr.skip(), gr.skip(), f"**{error}**"
        remembered = {"policy_version": version, "age_confirmed": bool(age_confirmed)}
        return remembered, hidden, shown, ""

    def restore(remembered: dict | None, request: gr.Request):
        if not remembered or remembered.get("policy_version") != version:
            return shown, hidden
        service.terms.accept(client_context(request).session_id, True, True)
        return hidden, shown

    gate.button.click(
        accept,
        [gate.accept, gate.age],
        [gate.remembered, gate.panel, studio, gate.error],
        api_visibility="private",
    )
    app.load(restore, [gate.remembered], [gate.panel, studio], api_visibility="private")

    def forget(request: gr.Request) -> None:
        service.terms.forget(client_context(request).session_id)

    app.unload(forget)

    def accept_terms(accepted: bool, age_confirmed: bool, request: gr.Request) -> str:
        """For API clients: accept the terms for this session before generating."""
        try:
            service.terms.accept(client_context(request).session_id, accepted, age_confirmed)
        except InvalidRequest as error:
            raise gr.Error(str(error), title="Terms not accepted") from None
        return "accepted"

    gr.api(accept_terms, api_name="accept_terms")
