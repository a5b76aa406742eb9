"""Draw the picture grid of sample outputs shown in the README (docs/samples.png).

python -m training.samples
"""

from __future__ import annotations

import argparse
from pathlib import Path

from diffusers import StableDiffusionPipeline
from PIL import Image, ImageDraw

from benchmarks.shapes_quality import MODEL_DIR, generate

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
CAPTION_HEIGHT = 22
SEEDS = (0, 1, 2, 3)
THUMBNAIL = 192


def sample_grid(pipe, prompts: tuple[str, ...], seeds: tuple[int, ...] = SEEDS) -> Image.Image:
    """One row per prompt, captioned, with one image per seed: several seeds show how often
    the model gets a prompt right, where one seed would show luck either way."""
    row_height = CAPTION_HEIGHT + THUMBNAIL
    grid = Image.new("RGB", (len(seeds) * THUMBNAIL, len(prompts) * row_height), "white")
    draw = ImageDraw.Draw(grid)
    for row, prompt in enumerate(prompts):
        y = row * row_height
        draw.text((4, y + 6), f"{prompt}  (seeds {', '.join(map(str, seeds))})", fill="black")
        for column, seed in enumerate(seeds):
            image = generate(pipe, prompt, seed).resize((THUMBNAIL, THUMBNAIL))
            grid.paste(image, (column * THUMBNAIL, y + CAPTION_HEIGHT))
    return grid


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=MODEL_DIR)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "samples.png")
    args = parser.parse_args(argv)
    pipe = StableDiffusionPipeline.from_pretrained(args.model)
    pipe.set_progress_bar_config(disable=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # 256 palette colours keep the flat-coloured grid small in the repository.
    sample_grid(pipe, PROMPTS).quantize(256).save(args.out, optimize=True)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
