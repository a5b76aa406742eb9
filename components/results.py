"""The results panel: a gallery, the seed that was used, and buttons to reuse a result."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr


@dataclass(frozen=True)
class ResultsPanel:
    gallery: gr.Gallery
    notice: gr.HTML
    reference: gr.Textbox
    appeal_message: gr.Textbox
    request_review: gr.Button
    check_review: gr.Button
    review_status: gr.Markdown
    used_seed: gr.Number
    reuse_seed: gr.Button
    send_to_img2img: gr.Button
    send_to_inpaint: gr.Button
    # PNG bytes of the shown images (and which one is selected), kept per browser session.
    pngs: gr.State
    selected: gr.State

    def outputs(self) -> list:
        """The components a generation event fills, in `run_generation`'s order."""
        return [self.gallery, self.used_seed, self.notice, self.reference, self.pngs, self.selected]


def results_panel(mode: str) -> ResultsPanel:
    gallery = gr.Gallery(
        label="Results",
        format="png",  # lossless: keeps the parameters, watermark and provenance intact
        columns=2,
        height="auto",
        interactive=False,
        elem_id=f"{mode}-gallery",
    )
    notice = gr.HTML(elem_id=f"{mode}-notice")
    with gr.Accordion("Think a decision was wrong? Ask for a review", open=False):
        reference = gr.Textbox(
            label="Reference",
            info="Filled in from the last decision; paste an earlier one to check on it.",
            elem_id=f"{mode}-reference",
        )
        appeal_message = gr.Textbox(
            label="Message to the moderators (optional)", lines=2, max_length=1000
        )
        with gr.Row():
            request_review = gr.Button(
                "Request review", size="sm", elem_id=f"{mode}-request-review"
            )
            check_review = gr.Button("Check status", size="sm", elem_id=f"{mode}-check-review")
        review_status = gr.Markdown(elem_id=f"{mode}-review-status")
    with gr.Row():
        # Empty until a run; see `clear_used_seeds`.
        used_seed = gr.Number(
            label="Seed used",
            precision=0,
            interactive=False,
            placeholder="shown after a run",
            elem_id=f"{mode}-used-seed",
        )
        reuse_seed = gr.Button("Reuse seed", size="sm")
    with gr.Row():
        send_to_img2img = gr.Button("Send to Image to image", size="sm")
        send_to_inpaint = gr.Button("Send to Inpaint", size="sm")
    return ResultsPanel(
        gallery,
        notice,
        reference,
        appeal_message,
        request_review,
        check_review,
        review_status,
        used_seed,
        reuse_seed,
        send_to_img2img,
        send_to_inpaint,
        gr.State([]),
        gr.State(0),
    )


def clear_used_seeds(app: gr.Blocks, panels: list[ResultsPanel]) -> None:
    """Empty every "Seed used" box when the page loads.

    Gradio's page shows a Number that starts as None as 0, which reads as "seed 0 was used";
    a value sent at page load may be None, and then the box shows its placeholder.
    """
    seeds = [panel.used_seed for panel in panels]
    app.load(lambda: [None] * len(seeds), outputs=seeds, api_visibility="private", queue=False)
