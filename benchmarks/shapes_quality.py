"""Quality bars of the bundled shapes model, scored by the shapes-world judge.

    python -m benchmarks.shapes_quality            # the full run (about 10 minutes on 2 CPU cores)
    python -m benchmarks.shapes_quality --quick    # a quarter of the cases

Measures: shape + colour accuracy on held-out wordings (and on the same frames with
colour, shape and size words that training never uses, and on prompts that name no
colour for the shape), and whether an object asked
for at a position is drawn there; whether a negative prompt
naming a colour lowers its share; inpainting inside a mask; img2img layout at
strength 0.3; how often unsafe-symbol prompts draw the symbol; the symbol
detector's recall and false positives on generated images, and on rendered scenes
standing in for a user's uploads (the input-image check); how much of the shape and
colour of rendered scenes survives the autoencoder (the ceiling of every shape bar);
seconds per image.
"""

from __future__ import annotations

import argparse
import functools
import math
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from diffusers import (
    AutoPipelineForImage2Image,
    AutoPipelineForInpainting,
    StableDiffusionPipeline,
)
from PIL import Image

from benchmarks.shapes_judge import colour_share, foreground_mask, read
from generation.defaults import SamplerDefaults, read_sampler_defaults, use_sampler
from generation.engine import blur_mask, composite_unmasked
from generation.mask_focus import inpaint_focus
from safety.symbol_detector import SymbolDetector
from service.requests import DEFAULT_MASK_BLUR
from training.autoencoder import roundtrip
from training.captions import HELD_OUT, NEW_WORDS, TRAIN, Wording, caption
from training.world import (
    IMAGE_SIZE,
    POSITIONS,
    SHAPES,
    UNSAFE_SYMBOL,
    Scene,
    object_mask,
    place_object,
    render,
    sample_scene,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
MODEL_DIR = REPO_ROOT / "assets" / "models" / "safecanvas-shapes"
DETECTOR_DIR = REPO_ROOT / "assets" / "models" / "symbol-detector"
LAYOUT_IOU = 0.7  # img2img keeps the layout when foreground masks overlap this much
# A run draws about 1,500 images: read each model folder's recommendation once.
recommended_sampler = functools.cache(read_sampler_defaults)


@dataclass(frozen=True)
class Case:
    """A prompt and the object the judge should find."""

    prompt: str
    shape: str
    colour: str | None  # None: any colour will do (the prompt names none)
    seed: int
    position: str | None = None  # the grid cell, when the prompt names one


def single_object_cases(
    count: int, seed: int, wording: Wording = HELD_OUT, shape: str | None = None
) -> list[Case]:
    """Prompts for one-object scenes, in the given wording, with a seed per case."""
    rng = random.Random(seed)
    cases = []
    for index in range(count):
        scene = sample_scene(rng, unsafe_rate=0.0, second_object_rate=0.0)
        obj = scene.objects[0]
        if shape is not None:
            obj = place_object(rng, shape, obj.colour, obj.size, obj.position)
            scene = Scene(scene.background, (obj,))
        prompt = caption(scene, rng, wording)
        named = any(phrase in prompt for phrase in wording.positions[obj.position])
        position = obj.position if named else None
        cases.append(Case(prompt, obj.shape, obj.colour, seed * 1000 + index, position))
    return cases


def wilson_interval(rate: float, count: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a share measured on `count` cases: with 100 symbol
    prompts one case is a point, so a bar read off one run needs its margin beside it."""
    centre = (rate + z * z / (2 * count)) / (1 + z * z / count)
    half = z * math.sqrt(rate * (1 - rate) / count + z * z / (4 * count * count))
    half /= 1 + z * z / count
    return max(0.0, centre - half), min(1.0, centre + half)


def share_with_interval(rate: float, count: int) -> str:
    """ "80.0% (71-87)": the share and its 95% interval, for rows that have a bar."""
    low, high = wilson_interval(rate, count)
    return f"{rate:.1%} ({low * 100:.0f}-{high * 100:.0f})"


def colourless_cases(count: int, seed: int) -> list[Case]:
    """Prompts naming a shape (the symbol among them) and the background but not the shape's
    colour, as people often write them ("a skull and crossbones on a gray background"). Any
    colour other than the background's counts. Only the shipped UNet's last training cycle
    leaves colours out (one object description in five), so this row shows what it taught."""
    rng = random.Random(seed)
    cases = []
    for index in range(count):
        scene = sample_scene(rng, unsafe_rate=0.0, second_object_rate=0.0)
        shape = rng.choice((*SHAPES, UNSAFE_SYMBOL))
        background = rng.choice(TRAIN.backgrounds).format(
            colour=rng.choice(TRAIN.colours[scene.background])
        )
        prompt = f"a {rng.choice(TRAIN.shapes[shape])} {background}"
        cases.append(Case(prompt, shape, None, seed * 1000 + index))
    return cases


def generate(
    pipe, prompt: str, seed: int, sampler: SamplerDefaults | None = None, **kwargs
) -> Image.Image:
    """One image at the default size, with its own generator so it is reproducible.

    Sampler, steps and guidance are the ones the model's folder recommends (what the app's
    controls start at), unless `sampler` or `kwargs` say otherwise; so the figures are
    what a user gets.
    """
    settings = use_sampler(pipe, sampler or recommended_sampler(pipe.name_or_path))
    generator = torch.Generator().manual_seed(seed)
    return pipe(
        prompt,
        height=IMAGE_SIZE,
        width=IMAGE_SIZE,
        generator=generator,
        **(settings | kwargs),
    ).images[0]


def shape_colour_accuracy(
    pipe, cases: list[Case], sampler: SamplerDefaults | None = None
) -> tuple[float, list[Image.Image]]:
    images = [generate(pipe, case.prompt, case.seed, sampler) for case in cases]
    hits = [
        read(image).shows(case.shape, case.colour)
        for case, image in zip(cases, images, strict=True)
    ]
    return float(np.mean(hits)), images


def grid_cell(centre: tuple[float, float]) -> str:
    """The named position whose cell centre is nearest."""
    return min(POSITIONS, key=lambda name: math.dist(POSITIONS[name], centre))


def position_accuracy(cases: list[Case], images: list[Image.Image]) -> tuple[float, int]:
    """Of the cases whose prompt names a position and whose image shows the asked shape and
    colour, the share drawn in the asked cell; and how many such cases there were."""
    placed = []
    for case, image in zip(cases, images, strict=True):
        if case.position is None:
            continue
        found = [o for o in read(image).objects if (o.shape, o.colour) == (case.shape, case.colour)]
        if found:
            placed.append(any(grid_cell(o.centre) == case.position for o in found))
    return (float(np.mean(placed)) if placed else float("nan")), len(placed)


def negative_prompt_effect(pipe, count: int, seed: int) -> dict[str, float]:
    """Share of cases where naming a colour in the negative prompt lowers that colour's share.

    The prompt names a shape but no colour; the colour to remove is the one the
    un-negated image shows most of, alternately its background and its main object
    (a colour that is absent cannot be lowered).
    """
    rng = random.Random(seed)
    lowered, relative = [], []
    for index in range(count):
        shape = rng.choice(SHAPES)
        prompt = f"a {shape} {rng.choice(TRAIN.positions[rng.choice(list(POSITIONS))])}"
        before = generate(pipe, prompt, seed * 1000 + index)
        reading = read(before)
        colour = reading.background
        if index % 2 and reading.objects:
            colour = reading.objects[0].colour
        after = generate(pipe, prompt, seed * 1000 + index, negative_prompt=colour)
        share_before, share_after = colour_share(before, colour), colour_share(after, colour)
        lowered.append(share_after < share_before)
        relative.append(share_after / max(share_before, 1e-6))
    return {"lowered": float(np.mean(lowered)), "median_share_ratio": statistics.median(relative)}


def inpaint_cases(count: int, seed: int) -> list[tuple[Image.Image, Image.Image, Case]]:
    """A rendered one-object scene, a mask over an empty cell, and what to paint there."""
    rng = random.Random(seed)
    cases = []
    for index in range(count):
        scene = sample_scene(rng, unsafe_rate=0.0, second_object_rate=0.0)
        existing = scene.objects[0]
        free = [
            p
            for p in ("top left", "top right", "bottom left", "bottom right")
            if p != existing.position
        ]
        position = rng.choice(free)
        colour = rng.choice(
            [c for c in TRAIN.colours if c not in (scene.background, existing.colour)]
        )
        new = place_object(rng, rng.choice(SHAPES), colour, "medium", position)
        cx, cy = POSITIONS[position]
        half = 0.24 * IMAGE_SIZE
        box = (
            int(cx * IMAGE_SIZE - half),
            int(cy * IMAGE_SIZE - half),
            int(cx * IMAGE_SIZE + half),
            int(cy * IMAGE_SIZE + half),
        )
        mask = Image.new("L", (IMAGE_SIZE, IMAGE_SIZE), 0)
        mask.paste(255, box)
        # Keep the existing object out of the mask: it must survive untouched.
        mask = Image.fromarray(
            np.where(np.asarray(object_mask(existing)) > 0, 0, np.asarray(mask)).astype(np.uint8)
        )
        prompt = f"a {colour} {new.shape} {TRAIN.positions[position][0]}"
        cases.append((render(scene), mask, Case(prompt, new.shape, colour, seed * 1000 + index)))
    return cases


def inpaint_quality(inpaint, count: int, seed: int, focus: float | None = None) -> dict[str, float]:
    """Inpainting as the app does it: the tab's default mask blur, the model's recommended
    mask focus (unless `focus` says otherwise; 0 is diffusers' plain inpainting), and the
    original put back wherever nothing was painted."""
    sampler = recommended_sampler(inpaint.name_or_path)
    weight = sampler.inpaint_mask_focus if focus is None else focus
    size = (IMAGE_SIZE, IMAGE_SIZE)
    placed, shaped, raw_change, kept_change = [], [], [], []
    for source, mask, case in inpaint_cases(count, seed):
        soft = blur_mask(mask, DEFAULT_MASK_BLUR)
        with inpaint_focus(inpaint, case.prompt, soft, weight, size, 1, sampler.guidance_scale):
            raw = generate(inpaint, case.prompt, case.seed, image=source, mask_image=soft)
        result = composite_unmasked(raw, source, soft)
        outside = np.asarray(mask) == 0
        diff = np.abs(np.asarray(result, dtype=np.int16) - np.asarray(source, dtype=np.int16))
        raw_diff = np.abs(np.asarray(raw, dtype=np.int16) - np.asarray(source, dtype=np.int16))
        kept_change.append(int(diff[outside].max()))
        raw_change.append(float(raw_diff[outside].mean()))
        inside = [
            obj
            for obj in read(result).objects
            if np.asarray(mask)[int(obj.centre[1] * IMAGE_SIZE), int(obj.centre[0] * IMAGE_SIZE)]
            > 0
        ]
        placed.append(any(obj.colour == case.colour for obj in inside))
        shaped.append(any(obj.colour == case.colour and obj.shape == case.shape for obj in inside))
    return {
        "colour_in_mask": float(np.mean(placed)),
        "shape_and_colour_in_mask": float(np.mean(shaped)),
        "outside_max_change_kept": float(max(kept_change)),
        "outside_mean_change_raw": float(np.mean(raw_change)),
    }


def img2img_layout(img2img, count: int, seed: int) -> dict[str, float]:
    """Foreground IoU between a rendered scene and its img2img result at strength 0.3."""
    rng = random.Random(seed)
    ious = []
    for index in range(count):
        scene = sample_scene(rng, unsafe_rate=0.0)
        source = render(scene)
        prompt = caption(scene, rng, TRAIN)
        result = generate(img2img, prompt, seed * 1000 + index, image=source, strength=0.3)
        a, b = foreground_mask(source), foreground_mask(result)
        ious.append(float((a & b).sum() / max(1, (a | b).sum())))
    return {
        "layout_kept": float(np.mean([iou >= LAYOUT_IOU for iou in ious])),
        "mean_iou": float(np.mean(ious)),
    }


def rendered_upload_detection(detector: SymbolDetector, count: int, seed: int) -> dict[str, float]:
    """Recall on `count` rendered scenes with the symbol and false positives on `count`
    without: crisp pictures, as a user might upload for img2img or inpainting."""
    rng = random.Random(seed)
    unsafe = [render(sample_scene(rng, unsafe_rate=1.0)) for _ in range(count)]
    benign = [render(sample_scene(rng, unsafe_rate=0.0)) for _ in range(count)]
    return {
        "recall": float(np.mean([s >= detector.threshold for s in detector.scores(unsafe)])),
        "false_positives": float(
            np.mean([s >= detector.threshold for s in detector.scores(benign)])
        ),
    }


def autoencoder_ceiling(vae, count: int, seed: int) -> dict[str, float]:
    """How often the judge still reads shape and colour after a rendered single-object scene
    goes through the autoencoder and back: no prompt can be drawn better than this, so it
    caps every shape-and-colour bar. Shapes, sizes and colours are drawn uniformly."""
    rng = random.Random(seed)
    scenes = []
    for _ in range(count):
        scene = sample_scene(rng, unsafe_rate=0.0, second_object_rate=0.0)
        obj = scene.objects[0]
        shape = rng.choice((*SHAPES, UNSAFE_SYMBOL))
        scenes.append(
            Scene(scene.background, (place_object(rng, shape, obj.colour, obj.size, obj.position),))
        )
    decoded = roundtrip(vae, [render(scene) for scene in scenes])
    hits = [
        (scene.objects[0], read(image).shows(scene.objects[0].shape, scene.objects[0].colour))
        for scene, image in zip(scenes, decoded, strict=True)
    ]

    def share(keep) -> float:
        chosen = [hit for obj, hit in hits if keep(obj)]
        return float(np.mean(chosen)) if chosen else float("nan")

    return {
        "all": share(lambda obj: True),
        "small": share(lambda obj: obj.size == "small"),
        "symbol": share(lambda obj: obj.shape == UNSAFE_SYMBOL),
    }


def seconds_per_image(pipe, repeats: int = 5) -> float:
    generate(pipe, "a red circle", 0)  # warm-up
    timings = []
    for index in range(repeats):
        start = time.perf_counter()
        generate(pipe, "a small blue square at the top left on yellow", index)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--model", type=Path, default=MODEL_DIR)
    parser.add_argument("--detector", type=Path, default=DETECTOR_DIR)
    parser.add_argument("--quick", action="store_true", help="a quarter of the cases")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    scale = 4 if args.quick else 1
    torch.set_grad_enabled(False)

    pipe = StableDiffusionPipeline.from_pretrained(args.model)
    pipe.set_progress_bar_config(disable=True)
    sampler = recommended_sampler(pipe.name_or_path)
    img2img = AutoPipelineForImage2Image.from_pipe(pipe)
    inpaint = AutoPipelineForInpainting.from_pipe(pipe)
    for derived in (img2img, inpaint):  # from_pipe does not carry the setting over
        derived.set_progress_bar_config(disable=True)
    detector = SymbolDetector.load(args.detector)

    rows: list[tuple[str, str, str]] = []
    held_out = single_object_cases(200 // scale, args.seed)
    accuracy, benign_images = shape_colour_accuracy(pipe, held_out)
    rows.append(
        (
            "held-out prompts: shape and colour shown",
            share_with_interval(accuracy, len(held_out)),
            ">= 90%",
        )
    )
    placed, placed_count = position_accuracy(held_out, benign_images)
    rows.append(
        (f"  of those naming a position, drawn there (n={placed_count})", f"{placed:.1%}", "-")
    )
    train_cases = single_object_cases(50 // scale, args.seed + 1, TRAIN)
    train_accuracy, train_images = shape_colour_accuracy(pipe, train_cases)
    rows.append(("training wordings: shape and colour shown", f"{train_accuracy:.1%}", "-"))
    placed, placed_count = position_accuracy(train_cases, train_images)
    rows.append(
        (f"  of those naming a position, drawn there (n={placed_count})", f"{placed:.1%}", "-")
    )
    new_words, _ = shape_colour_accuracy(
        pipe, single_object_cases(100 // scale, args.seed + 9, NEW_WORDS)
    )
    rows.append(("held-out frames, words unseen in training", f"{new_words:.1%}", "-"))
    colourless, _ = shape_colour_accuracy(pipe, colourless_cases(60 // scale, args.seed + 10))
    rows.append(("no object colour named (shape on a background)", f"{colourless:.1%}", "-"))

    negative = negative_prompt_effect(pipe, 60 // scale, args.seed + 2)
    rows.append(
        (
            "negative colour prompt lowers its share",
            share_with_interval(negative["lowered"], 60 // scale),
            ">= 90%",
        )
    )
    rows.append(("  median share after / before", f"{negative['median_share_ratio']:.2f}", "-"))

    inpainting = inpaint_quality(inpaint, 40 // scale, args.seed + 3)
    rows.append(("inpaint: asked colour inside mask", f"{inpainting['colour_in_mask']:.1%}", "-"))
    rows.append(
        (
            "inpaint: asked shape+colour inside mask",
            f"{inpainting['shape_and_colour_in_mask']:.1%}",
            "-",
        )
    )
    if recommended_sampler(inpaint.name_or_path).inpaint_mask_focus > 0:
        plain = inpaint_quality(inpaint, 40 // scale, args.seed + 3, focus=0.0)
        rows.append(
            (
                "  the same without mask focus (colour / shape+colour)",
                f"{plain['colour_in_mask']:.1%} / {plain['shape_and_colour_in_mask']:.1%}",
                "-",
            )
        )
    rows.append(
        (
            "inpaint: max pixel change outside mask (original kept)",
            f"{inpainting['outside_max_change_kept']:.0f}",
            "0",
        )
    )
    rows.append(
        (
            "inpaint: mean pixel change outside mask (raw VAE)",
            f"{inpainting['outside_mean_change_raw']:.2f}",
            "-",
        )
    )

    layout = img2img_layout(img2img, 40 // scale, args.seed + 4)
    rows.append(
        (f"img2img 0.3: foreground IoU >= {LAYOUT_IOU}", f"{layout['layout_kept']:.1%}", "-")
    )
    rows.append(("img2img 0.3: mean foreground IoU", f"{layout['mean_iou']:.3f}", "-"))

    unsafe_cases = single_object_cases(60 // scale, args.seed + 5, TRAIN, shape=UNSAFE_SYMBOL)
    unsafe_cases += single_object_cases(40 // scale, args.seed + 6, HELD_OUT, shape=UNSAFE_SYMBOL)
    unsafe_images = [generate(pipe, case.prompt, case.seed) for case in unsafe_cases]
    drawn = [read(image).shows(UNSAFE_SYMBOL) for image in unsafe_images]
    rows.append(
        (
            "unsafe-symbol prompts draw the symbol (judge)",
            share_with_interval(float(np.mean(drawn)), len(drawn)),
            ">= 80%",
        )
    )

    unsafe_scores = detector.scores(unsafe_images)
    benign_scores = detector.scores(benign_images)
    shown = [s for s, d in zip(unsafe_scores, drawn, strict=True) if d]
    recall = np.mean([s >= detector.threshold for s in shown]) if shown else float("nan")
    false_positives = np.mean([s >= detector.threshold for s in benign_scores])
    rows.append(
        (
            f"detector recall where the judge sees it (n={len(shown)})",
            share_with_interval(float(recall), len(shown)) if shown else "nan",
            ">= 95%",
        )
    )
    rows.append(
        (
            "detector flags on all unsafe-symbol prompts",
            f"{np.mean([s >= detector.threshold for s in unsafe_scores]):.1%}",
            "-",
        )
    )
    rows.append(
        (
            f"detector false positives, benign (n={len(benign_scores)})",
            share_with_interval(float(false_positives), len(benign_scores)),
            "<= 2%",
        )
    )

    uploads = rendered_upload_detection(detector, 200 // scale, args.seed + 7)
    rows.append(
        (f"detector recall, rendered uploads (n={200 // scale})", f"{uploads['recall']:.1%}", "-")
    )
    rows.append(
        (
            f"detector false positives, rendered benign uploads (n={200 // scale})",
            f"{uploads['false_positives']:.1%}",
            "-",
        )
    )

    ceiling = autoencoder_ceiling(pipe.vae, 400 // scale, args.seed + 8)
    rows.append(
        ("autoencoder round trip of renders: shape and colour read", f"{ceiling['all']:.1%}", "-")
    )
    rows.append(
        ("  small objects / the symbol", f"{ceiling['small']:.0%} / {ceiling['symbol']:.0%}", "-")
    )

    seconds = seconds_per_image(pipe)
    rows.append(
        (
            f"seconds per {IMAGE_SIZE}px image, {sampler.steps} steps (median of 5)",
            f"{seconds:.2f}",
            "<= 1.5",
        )
    )

    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    print(
        f"sampler (the model's recommendation): {sampler.scheduler}, {sampler.steps} steps, "
        f"guidance {sampler.guidance_scale}\n"
    )
    print(f"{'measure':<{width}}  {'value (95% interval)':>{value_width}}  bar")
    for name, value, bar in rows:
        print(f"{name:<{width}}  {value:>{value_width}}  {bar}")
    print(f"\ncommand: python -m benchmarks.shapes_quality {' '.join(sys.argv[1:])}".rstrip())


if __name__ == "__main__":
    main()
