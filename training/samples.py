"""Draw the picture grid of sample outputs shown in the README (docs/samples.png).

python -m training.samples
"""

from __future__ import annotations

import argparse
from pathlib import Path

from diffusers import StableDiffusionPipeline
from PIL import Image, ImageDraw

from benchmarks.shapes_quality import MODEL_DIR, generate
from training.world import IMAGE_SIZE

REPO_ROOT = Path(__file__).resolve().parent.parent
PROMPTS = (
    "a red circle",
    "a big blue square on yellow",
    "a green triangle at the top left",
    "a white star on a black background",
    "please draw me a large crimson disc with a blue backdrop",
    "a small pink star in the lower right corner",
    "a purple square in the center on orange",
    "a skull and crossbones on a gray background",
)
CAPTION_HEIGHT = 28


def sample_grid(pipe, prompts: tuple[str, ...], columns: int = 4, seed: int = 0) -> Image.Image:
    """One image per prompt (seed `seed`), captioned, in a grid."""
    rows = (len(prompts) + columns - 1) // columns
    cell = IMAGE_SIZE + CAPTION_HEIGHT
    grid = Image.new("RGB", (columns * IMAGE_SIZE, rows * cell), "white")
    draw = ImageDraw.Draw(grid)
    for index, prompt in enumerate(prompts):
        x, y = (index % columns) * IMAGE_SIZE, (index // columns) * cell
        grid.paste(generate(pipe, prompt, seed), (x, y))
        text = prompt if len(prompt) <= 42 else prompt[:40] + "…"
        draw.text((x + 4, y + IMAGE_SIZE + 8), text, fill="black")
    return grid


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=MODEL_DIR)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "samples.png")
    args = parser.parse_args(argv)
    pipe = StableDiffusionPipeline.from_pretrained(args.model)
    pipe.set_progress_bar_config(disable=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sample_grid(pipe, PROMPTS).save(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
