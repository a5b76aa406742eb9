"""Draw the pictures of the example edits under the Image to image and Inpaint tabs
(`assets/examples/`, listed in `components/edit_examples.py`).

python -m training.example_images
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image

from settings import EXAMPLES_DIR
from training.world import IMAGE_SIZE, POSITIONS, SIZES, Scene, WorldObject, render

# The Inpaint tab's brush paints this colour, so the example's layer looks like a person's.
BRUSH_RGB = (255, 0, 255)
# Half the side of the painted square, as a fraction of the image side: it covers a medium
# object in its cell (radius 0.19) with a margin, and stays clear of the opposite corner.
PAINTED_HALF_SIDE = 0.22


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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=EXAMPLES_DIR)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, image in example_images().items():
        image.save(args.out / name, optimize=True)
        print(f"wrote {args.out / name}")


if __name__ == "__main__":
    main()
