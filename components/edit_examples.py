"""The example edits under the Image to image and Inpaint tabs.

A newcomer rarely has a picture at hand, and without one cannot see what strength or a
mask does. Each example is a picture of the bundled model's world, what to ask for, and a
strength at which the bundled model does it (an integration test checks each one). The
pictures are drawn by `python -m training.example_images`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from settings import EXAMPLES_DIR


@dataclass(frozen=True)
class EditExample:
    """A picture to start from and a layer painted over the part to redraw (inpainting only),
    both files in `assets/examples/`, with the prompt and strength to run them at."""

    image: str
    prompt: str
    strength: float
    mask: str | None = None


# At strength 0.6, the Image to image tab's default, the bundled model turns the circle into
# a square but keeps its colour; recolouring it takes 0.75. The pair shows what strength does.
IMAGE_TO_IMAGE_EXAMPLES = (
    EditExample("red-circle-on-blue.png", "a large red square on a blue background", 0.6),
    EditExample("red-circle-on-blue.png", "a large yellow circle on a blue background", 0.75),
)
# The mask covers the blue square and leaves the red circle alone. At strength 1 the bundled
# model fills a masked object's place with background; at 0.75 it redraws the object there.
INPAINT_EXAMPLES = (
    EditExample(
        "circle-and-square.png",
        "a blue star on a white background",
        0.75,
        mask="circle-and-square-mask.png",
    ),
    EditExample(
        "circle-and-square.png",
        "a green triangle on a white background",
        0.75,
        mask="circle-and-square-mask.png",
    ),
)


def editor_value(example: EditExample, directory: Path = EXAMPLES_DIR) -> dict[str, object]:
    """The example as an image editor's value: the picture, the painted layer, and the two
    combined (what the editor shows)."""
    background = directory / example.image
    layers = [directory / example.mask] if example.mask else []
    composite = Image.open(background).convert("RGBA")
    for layer in layers:
        composite = Image.alpha_composite(composite, Image.open(layer).convert("RGBA"))
    return {
        "background": str(background),
        "layers": [str(layer) for layer in layers],
        "composite": composite.convert("RGB"),
    }
