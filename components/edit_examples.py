"""The "Try an edit" examples under the Image to image and Inpaint tabs, from the model
folder (`generation/edit_examples.py`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import gradio as gr
from PIL import Image

from generation.edit_examples import EditExample

# The table's column headers are the inputs' labels, one of them a sentence. Gradio keeps
# each header on one line, which pushed the prompt and the strength off a phone's screen.
EDIT_EXAMPLES_CSS = ".edit-examples th { white-space: normal; }"


def edit_examples(
    examples: Sequence[EditExample],
    picture_input: gr.components.Component,
    to_value: Callable[[EditExample], object],
    prompt: gr.Textbox,
    strength: gr.Slider,
    elem_id: str,
) -> None:
    """Clicking an example fills the picture, the prompt and the strength. A model that
    offers none gets no empty table."""
    if examples:
        table = gr.Examples(
            [[to_value(example), example.prompt, example.strength] for example in examples],
            inputs=[picture_input, prompt, strength],
            label="Try an edit",
            elem_id=elem_id,
        )
        table.dataset.elem_classes = ["edit-examples"]  # gr.Examples takes no classes itself


def editor_value(example: EditExample) -> dict[str, object]:
    """The example as an image editor's value: the picture, the painted layer, and the two
    combined (what the editor shows)."""
    layers = [example.mask] if example.mask else []
    composite = Image.open(example.image).convert("RGBA")
    for layer in layers:
        composite = Image.alpha_composite(composite, Image.open(layer).convert("RGBA"))
    return {
        "background": str(example.image),
        "layers": [str(layer) for layer in layers],
        "composite": composite.convert("RGB"),
    }
