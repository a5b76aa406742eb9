"""The bundled model's example edits, offered under the Image to image and Inpaint tabs:
their pictures, drawn from the world's renderer into the model folder's `examples/`, and
its `edit_examples.json` (`generation/edit_examples.py`). The training script writes them
with the rest of the folder; this rewrites them alone.

python -m training.example_images
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image

from generation.edit_examples import EditExample, EditExamples, write_edit_examples
from settings import BUNDLED_MODEL_DIR
from training.world import IMAGE_SIZE, POSITIONS, SIZES, Scene, WorldObject, render

# The Inpaint tab's brush paints this colour, so the example's layer looks like a person's.
BRUSH_RGB = (255, 0, 255)
# Half the side of the painted square, as a fraction of the image side: it covers a medium
# object in its cell (radius 0.19) with a margin, and stays clear of the opposite corner.
PAINTED_HALF_SIDE = 0.22
PICTURES = Path("examples")  # inside the model folder


def centred(shape: str, colour: str, size: str, position: str) -> WorldObject:
    """An object exactly at its cell's centre: an example has no reason to jitter."""
    x, y = POSITIONS[position]
    return WorldObject(shape, colour, size, position, x, y, SIZES[size])


CIRCLE_AND_SQUARE = Scene(
    "white",
    (
        centred("circle", "red", "medium", "top left"),
        centred("square", "blue", "medium", "bottom right"),
    ),
)


def painted_layer(position: str, size: int = IMAGE_SIZE) -> Image.Image:
    """An editor layer painted (opaque brush colour) over a square around a cell, clear
    (alpha 0) elsewhere."""
    x, y = POSITIONS[position]
    half = PAINTED_HALF_SIDE * size
    layer = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    box = (
        round(x * size - half),
        round(y * size - half),
        round(x * size + half),
        round(y * size + half),
    )
    layer.paste((*BRUSH_RGB, 255), box)
    return layer


def example_images() -> dict[str, Image.Image]:
    """Every example picture, by its file name."""
    return {
        "red-circle-on-blue.png": render(
            Scene("blue", (centred("circle", "red", "large", "center"),))
        ),
        "circle-and-square.png": render(CIRCLE_AND_SQUARE),
        "circle-and-square-mask.png": painted_layer("bottom right"),
    }


# The strengths are where the bundled model does the edit (the model card has the figures
# on 12 seeds; an integration test checks 4). At 0.6, the Image to image tab's default, it
# turns the circle into a square but keeps its colour; recolouring it takes 0.8 (0.75 for
# the UNet before the shipped one), so the pair shows what strength does. The inpainting
# mask covers the blue square and leaves the red circle alone: at strength 1 the model
# fills a masked object's place with background, at 0.75 it redraws the object there.
EDIT_EXAMPLES = EditExamples(
    image_to_image=(
        EditExample(
            PICTURES / "red-circle-on-blue.png", "a large red square on a blue background", 0.6
        ),
        EditExample(
            PICTURES / "red-circle-on-blue.png", "a large yellow circle on a blue background", 0.8
        ),
    ),
    inpaint=(
        EditExample(
            PICTURES / "circle-and-square.png",
            "a blue star on a white background",
            0.75,
            mask=PICTURES / "circle-and-square-mask.png",
        ),
        EditExample(
            PICTURES / "circle-and-square.png",
            "a green triangle on a white background",
            0.75,
            mask=PICTURES / "circle-and-square-mask.png",
        ),
    ),
)


def write_example_edits(model_dir: Path) -> None:
    """Draw the pictures into `model_dir` and list the examples beside them."""
    (model_dir / PICTURES).mkdir(parents=True, exist_ok=True)
    for name, image in example_images().items():
        image.save(model_dir / PICTURES / name, optimize=True)
    write_edit_examples(EDIT_EXAMPLES, model_dir)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", type=Path, default=BUNDLED_MODEL_DIR)
    args = parser.parse_args(argv)
    write_example_edits(args.model_dir)
    print(f"wrote the example edits into {args.model_dir}")


if __name__ == "__main__":
    main()
