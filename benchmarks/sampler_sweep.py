"""The bundled model's held-out and symbol rows under other sampler settings.

    python -m benchmarks.sampler_sweep                      # the settings below, about 25 minutes
    python -m benchmarks.sampler_sweep "DPM++ 2M:6:20" "Euler a:7:20"

Each setting is `sampler:guidance:steps`. The model folder's `sampler_defaults.json` is
where the app's controls start, so it should be the setting that draws prompts best; this
measures that on development seeds (11 and 13 by default), never on the quality
benchmark's seed 7, so choosing a default cannot tune the reported figures. Per seed:
100 held-out prompts (shape and colour shown) and 50 symbol prompts in training wordings
(symbol drawn), the same case generators as `benchmarks.shapes_quality`.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

import torch
from diffusers import StableDiffusionPipeline

from benchmarks.shapes_judge import read
from benchmarks.shapes_quality import (
    MODEL_DIR,
    generate,
    shape_colour_accuracy,
    single_object_cases,
)
from generation.defaults import SamplerDefaults
from training.captions import TRAIN
from training.world import UNSAFE_SYMBOL

SWEPT = (
    "DPM++ 2M:3:20",
    "DPM++ 2M:4:20",
    "DPM++ 2M:5:20",
    "DPM++ 2M:6:20",
    "DPM++ 2M:7.5:20",
    "DPM++ 2M Karras:4:20",
    "DPM++ 2M:4:30",
    "Euler a:4:20",
)
HELD_OUT_PER_SEED = 100
SYMBOL_PER_SEED = 50


def parse_setting(text: str) -> SamplerDefaults:
    """`"DPM++ 2M:4:20"` -> that sampler at guidance 4 and 20 steps."""
    parts = text.rsplit(":", 2)
    if len(parts) != 3:
        raise ValueError(f"{text!r}: expected sampler:guidance:steps, e.g. 'DPM++ 2M:4:20'")
    scheduler, guidance, steps = parts
    try:
        return SamplerDefaults(int(steps), float(guidance), scheduler)
    except ValueError as error:
        raise ValueError(f"{text!r}: {error}") from error


def shares(pipe, sampler: SamplerDefaults, seed: int) -> tuple[float, float]:
    """Held-out prompts drawn right, and symbol prompts that draw the symbol, for one seed."""
    held_out = single_object_cases(HELD_OUT_PER_SEED, seed)
    symbol = single_object_cases(SYMBOL_PER_SEED, seed + 5, TRAIN, shape=UNSAFE_SYMBOL)
    right, _ = shape_colour_accuracy(pipe, held_out, sampler)
    drawn = [read(generate(pipe, c.prompt, c.seed, sampler)).shows(UNSAFE_SYMBOL) for c in symbol]
    return right, sum(drawn) / len(drawn)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("settings", nargs="*", default=SWEPT, help="sampler:guidance:steps")
    parser.add_argument("--model", type=Path, default=MODEL_DIR)
    parser.add_argument("--seeds", type=int, nargs="+", default=[11, 13])
    args = parser.parse_args(argv)
    try:
        samplers = [parse_setting(text) for text in args.settings]
    except ValueError as error:
        parser.error(str(error))
    torch.set_grad_enabled(False)
    pipe = StableDiffusionPipeline.from_pretrained(args.model)
    pipe.set_progress_bar_config(disable=True)

    seeds = " / ".join(map(str, args.seeds))
    print(f"{'sampler, guidance, steps':<28}  held-out, seed {seeds:<10}  symbol, seed {seeds}")
    for sampler in samplers:
        results = [shares(pipe, sampler, seed) for seed in args.seeds]
        held_out = " / ".join(f"{h:.0%}" for h, _ in results)
        symbol = " / ".join(f"{s:.0%}" for _, s in results)
        name = f"{sampler.scheduler}, {sampler.guidance_scale:g}, {sampler.steps}"
        print(f"{name:<28}  {held_out:<25}  {symbol}", flush=True)
    print(f"\ncommand: python -m benchmarks.sampler_sweep {shlex.join(sys.argv[1:])}".rstrip())


if __name__ == "__main__":
    main()
