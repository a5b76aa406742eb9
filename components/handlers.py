"""The thin edge between Gradio events and the service: translate, call, render.

No decision is made here. Errors a user caused arrive as `InvalidRequest` and leave as
`gr.Error`, which the browser shows as a message and an API client receives as an exception.
"""

from __future__ import annotations

import io
import logging

import gradio as gr
from PIL import Image

from components.notice import render_notice
from generation.engine import GenerationCancelled
from generation.metadata import read_parameters
from service.errors import InvalidRequest, ServiceUnavailable
from service.generate import ClientContext, GenerationService
from service.requests import GenerationRequest

log = logging.getLogger(__name__)

GalleryItems = list[tuple[Image.Image, str]]


def client_context(request: gr.Request | None) -> ClientContext:
    if request is None:  # called from Python, not through the server
        return ClientContext(peer_host="", session_id="local")
    raw = getattr(request, "request", None)
    peer = raw.client.host if raw is not None and raw.client else ""
    return ClientContext(
        peer_host=peer,
        session_id=request.session_hash or "anonymous",
        headers={key.lower(): value for key, value in dict(request.headers).items()},
    )


#: `run_generation`'s six outputs, each left as it was.
KEEP_RESULTS = tuple(gr.skip() for _ in range(6))


def run_generation(
    service: GenerationService,
    generation_request: GenerationRequest,
    request: gr.Request | None,
    progress: gr.Progress,
) -> tuple[GalleryItems, int | None, str, str, list[bytes], int] | tuple[dict, ...]:
    """Gallery items, the seed used, the notice (HTML, empty when none), the reference id
    of a refused or flagged request (for review), the PNGs behind the gallery, and the
    selected index; `KEEP_RESULTS` when the person cancelled."""
    progress(0, desc="Starting")

    def on_progress(done: int, total: int, doing: str) -> None:
        progress((done, total), desc=doing, unit="steps")

    try:
        outcome = service.generate(generation_request, client_context(request), on_progress)
    except InvalidRequest as error:
        raise gr.Error(str(error), title="Please check your request") from None
    except ServiceUnavailable as error:
        raise gr.Error(str(error), title="Temporarily unavailable") from None
    except GenerationCancelled:
        # Not an error: say so in a toast and leave the previous results in place. (When
        # Gradio's own cancelling of the event reaches the page first, it still marks the
        # outputs with its red "Error"; that is Gradio's drawing, not this reply.)
        gr.Info("Generation cancelled.", title="Cancelled")
        return KEEP_RESULTS
    items = [(result.to_pil(), f"seed {result.seed}") for result in outcome.images]
    notice = render_notice(outcome.notice)
    reviewable = outcome.reference_id if outcome.notice and outcome.notice.reference_id else ""
    return items, outcome.seed, notice, reviewable, [result.png for result in outcome.images], 0


def request_review(service: GenerationService, reference_id: str, message: str) -> str:
    """Send an appeal; returns the confirmation shown under the notice."""
    try:
        service.request_review(reference_id, message)
    except (InvalidRequest, ServiceUnavailable) as error:
        raise gr.Error(str(error), title="Review not requested") from None
    return f"Thank you. A moderator will review request `{reference_id}`."


REVIEW_PROGRESS = {
    "pending": "is waiting for a moderator.",
    "appealed": "is waiting for a moderator, with your message.",
    "upheld": "was reviewed on {date}: the moderator agreed with the decision.",
    "overturned": (
        "was reviewed on {date}: the moderator found the decision wrong. Thank you; "
        "reports like yours are how the rules get better."
    ),
}


def review_progress(service: GenerationService, reference_id: str) -> str:
    """Tell the person who asked for a review where it stands."""
    try:
        status, decided_at = service.review_progress(reference_id)
    except (InvalidRequest, ServiceUnavailable) as error:
        raise gr.Error(str(error), title="No review found") from None
    when = f"{decided_at:%Y-%m-%d}" if decided_at else ""
    return f"Request `{reference_id.strip()}` " + REVIEW_PROGRESS[status.value].format(date=when)


def cancel_generation(service: GenerationService, request: gr.Request | None) -> None:
    service.cancellations.cancel(client_context(request).session_id)


def selected_index(evt: gr.SelectData) -> int:
    return int(evt.index)


def selected_result(pngs: list[bytes], index: int) -> tuple[Image.Image, str, str]:
    """The image picked in the gallery, as an upload for another tab, with the prompt and
    negative prompt that made it. They come from the image's own metadata, not from the
    prompt boxes, which may have changed since (or hold another image's prompt)."""
    if not pngs:
        raise gr.Error("Generate an image first, then send it.", title="Nothing to send")
    png = pngs[min(index, len(pngs) - 1)]
    image = Image.open(io.BytesIO(png))
    image.load()
    parameters = read_parameters(png)
    prompt, negative = parameters.get("prompt", ""), parameters.get("negative_prompt", "")
    return image.convert("RGB"), str(prompt), str(negative)
