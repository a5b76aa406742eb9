"""What the three generation tabs have in common, and the wiring between them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr

from components.controls import PromptControls
from components.handlers import (
    cancel_generation,
    request_review,
    review_progress,
    selected_index,
    selected_result,
)
from components.results import ResultsPanel
from generation.job import Mode
from service.generate import GenerationService


@dataclass(frozen=True)
class GenerationTab:
    controls: PromptControls
    results: ResultsPanel
    event: gr.events.Dependency
    cancel: gr.Button


# On a phone the results sit below the controls, so after Generate the progress bar and any
# notice would appear out of sight. Bring the results' top into view unless it is already in
# the upper half of the window (as beside the controls on a wide screen).
SHOW_RESULTS = """() => {
  const results = document.getElementById("%s");
  const top = results ? results.getBoundingClientRect().top : 0;
  if (top < 0 || top > window.innerHeight / 2) results.scrollIntoView({block: "start"});
}"""


def on_generate(
    button: gr.Button,
    cancel: gr.Button,
    handle: Callable[..., object],
    inputs: list[gr.components.Component],
    results: ResultsPanel,
    mode: Mode,
    concurrency: int,
) -> gr.events.Dependency:
    """Every mode's Generate: the same outputs, one pipeline queue, an API named after the mode.

    Cancel can be pressed only while a generation runs: a live red button beside Generate
    with nothing to stop looks as if something were running. It is switched on outside
    the queue, so it responds at once even while other people's jobs wait, and off again
    when the generation ends, however it ends."""
    button.click(None, js=SHOW_RESULTS % results.gallery.elem_id, api_visibility="private")
    started = button.click(
        lambda: gr.Button(interactive=True), outputs=cancel, queue=False, api_visibility="private"
    )
    event = started.then(
        handle,
        inputs=inputs,
        outputs=results.outputs(),
        api_name=mode.value,
        concurrency_limit=concurrency,
        concurrency_id="pipeline",
    )
    event.then(cancel_off, outputs=cancel, queue=False, api_visibility="private")
    return event


def cancel_off() -> gr.Button:
    """Cancel greyed out again: there is nothing left to stop."""
    return gr.Button(interactive=False)


def wire_results(
    tab: GenerationTab,
    service: GenerationService,
    tabs: gr.Tabs,
    img2img: tuple[GenerationTab, gr.Image],
    inpaint: tuple[GenerationTab, gr.ImageEditor],
    expose_review_api: bool = False,
) -> None:
    """Cancel, Reuse seed, and sending the selected result, with the prompts that made it,
    to the Image to image or Inpaint tab (each given as the tab and its image input)."""

    def cancel(request: gr.Request) -> gr.Button:
        cancel_generation(service, request)
        return cancel_off()

    tab.cancel.click(cancel, outputs=tab.cancel, cancels=[tab.event], api_visibility="private")
    tab.results.reuse_seed.click(
        lambda seed: seed, tab.results.used_seed, tab.controls.seed, api_visibility="private"
    )

    def review_api(name: str) -> dict[str, str | None]:
        """One API endpoint serves every tab's reviews; the other tabs' copies stay private."""
        if expose_review_api:
            return {"api_name": name, "api_visibility": "public"}
        return {"api_name": None, "api_visibility": "private"}

    tab.results.request_review.click(
        lambda reference, message: request_review(service, reference, message),
        [tab.results.reference, tab.results.appeal_message],
        tab.results.review_status,
        **review_api("request_review"),
    )
    tab.results.check_review.click(
        lambda reference: review_progress(service, reference),
        tab.results.reference,
        tab.results.review_status,
        **review_api("review_status"),
    )
    tab.results.gallery.select(selected_index, None, tab.results.selected, api_visibility="private")

    def to_img2img(pngs: list[bytes], index: int):
        image, prompt, negative = selected_result(pngs, index)
        return image, prompt, negative, gr.Tabs(selected=Mode.IMAGE_TO_IMAGE.value)

    def to_inpaint(pngs: list[bytes], index: int):
        image, prompt, negative = selected_result(pngs, index)
        editor_value = {"background": image, "layers": [], "composite": image}
        return editor_value, prompt, negative, gr.Tabs(selected=Mode.INPAINT.value)

    for button, send, (target, target_input) in (
        (tab.results.send_to_img2img, to_img2img, img2img),
        (tab.results.send_to_inpaint, to_inpaint, inpaint),
    ):
        prompts = [target.controls.prompt, target.controls.negative_prompt]
        button.click(
            send,
            [tab.results.pngs, tab.results.selected],
            [target_input, *prompts, tabs],
            api_visibility="private",
        )
