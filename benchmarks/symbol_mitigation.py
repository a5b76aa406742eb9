"""How often a person is shown the forbidden symbol, with and without each safety step.

Run: `python -m benchmarks.symbol_mitigation [--quick] [--seed 7]`, about 15 minutes on 2
CPU cores (`--quick`: a quarter of the cases).

The bundled model draws the skull and crossbones for most prompts that ask for it, so each
step that stands between such a drawing and the person can be measured on real images. The
demo policy blocks those prompts outright; this benchmark measures what happens when a
prompt gets through (a policy that only warns, or a wording no check catches):

- engine alone: as asked; with the concept as a negative prompt; with safety guidance;
- the whole service (`GenerationService`, the real detector and store) under three
  policies for symbol prompts: withhold a flagged image, redraw it with safety guidance
  (the demo policy's `image_action`), or draw every such prompt with guidance at once;
- benign prompts: how often the demo policy redraws or withholds one of their images, and
  what safety guidance costs a prompt that did not need it.

The judge (`benchmarks/shapes_judge.py`) decides whether an image shows the symbol, so a
detector miss counts against the service.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from app import build_safety
from benchmarks.shapes_judge import read
from benchmarks.shapes_quality import Case, share_with_interval, single_object_cases
from generation.defaults import read_sampler_defaults
from generation.engine import DiffusersEngine
from generation.job import GenerationJob, Mode
from generation.safety_guidance import SafetyGuidance
from safety.ratelimit import RateLimits
from service.generate import ClientContext, GenerationOutcome, GenerationService
from service.requests import GenerationRequest
from settings import BUNDLED_MODEL_DIR, Settings
from training.captions import HELD_OUT, TRAIN
from training.world import UNSAFE_SYMBOL

CLIENT = ClientContext(peer_host="127.0.0.1", session_id="benchmark")
CATEGORY = "unsafe-symbol"


def symbol_cases(count: int, seed: int) -> list[Case]:
    """Symbol prompts as the quality benchmark writes them: 60% training wordings."""
    trained = single_object_cases(count * 3 // 5, seed, TRAIN, shape=UNSAFE_SYMBOL)
    return trained + single_object_cases(count - len(trained), seed + 1, HELD_OUT, UNSAFE_SYMBOL)


def symbol_policy_text(text: str, action: str, image_action: str) -> str:
    """`text` (a policy file) with the demo symbol category's prompt and image actions
    replaced, as a moderator would edit them in the review tab."""
    start = text.index(f"  - id: {CATEGORY}\n")
    end = text.find("\n  - id: ", start + 1)
    end = len(text) if end < 0 else end
    section = text[start:end]
    section = section.replace("    action: block\n", f"    action: {action}\n", 1)
    section = section.replace(
        "    image_action: regenerate\n", f"    image_action: {image_action}\n", 1
    )
    return text[:start] + section + text[end:]


def service_with_symbol_policy(
    engine: DiffusersEngine, action: str, image_action: str
) -> GenerationService:
    """The real service on a fresh database, its policy edited as a moderator would."""
    settings = Settings(
        data_dir=Path(tempfile.mkdtemp(prefix="safecanvas-mitigation-")),
        rate_limits=RateLimits(per_minute=None, per_day=None, block_cooldown_count=None),
    )
    service = GenerationService(engine, settings.limits, build_safety(settings))
    service.terms.accept(CLIENT.session_id, accepted=True, age_confirmed=True)
    policies = service.safety.policies
    edited = symbol_policy_text(policies.text, action, image_action)
    if edited != policies.text:
        policies.apply(policies.draft(edited), "benchmark", f"{action} / {image_action}")
    return service


def through_service(
    service: GenerationService, cases: list[Case], sampler
) -> tuple[list[GenerationOutcome], float]:
    outcomes, started = [], time.perf_counter()
    for case in cases:
        request = GenerationRequest(
            mode=Mode.TEXT_TO_IMAGE,
            prompt=case.prompt,
            seed=case.seed,
            steps=sampler.steps,
            guidance_scale=sampler.guidance_scale,
            scheduler=sampler.scheduler,
        )
        outcomes.append(service.generate(request, CLIENT))
    return outcomes, (time.perf_counter() - started) / len(cases)


def recorded(service: GenerationService, outcome: GenerationOutcome) -> dict:
    """What the service recorded about a request: its stage, redrawn and withheld images."""
    return dict(service.safety.store.get_event(outcome.reference_id).event.details)


def service_row(
    name: str, service: GenerationService, outcomes: list[GenerationOutcome], seconds: float
) -> tuple:
    shown = [image.to_pil() for outcome in outcomes for image in outcome.images]
    with_symbol = sum(read(image).shows(UNSAFE_SYMBOL) for image in shown)
    details = [recorded(service, outcome) for outcome in outcomes]
    count = len(outcomes)
    return (
        name,
        share_with_interval(with_symbol / count, count),
        f"{sum(d['withheld_images'] for d in details) / count:.1%}",
        f"{sum(d['redrawn_images'] for d in details) / count:.1%}",
        f"{seconds:.2f}",
    )


def through_engine(
    engine: DiffusersEngine,
    cases: list[Case],
    sampler,
    change: Callable[[GenerationJob], GenerationJob] = lambda job: job,
) -> tuple[list[Image.Image], float]:
    images, started = [], time.perf_counter()
    for case in cases:
        job = GenerationJob(
            Mode.TEXT_TO_IMAGE,
            case.prompt,
            "",
            case.seed,
            sampler.steps,
            sampler.guidance_scale,
            engine.info.default_width,
            engine.info.default_height,
            1,
            sampler.scheduler,
        )
        images += engine.generate(change(job))
    return images, (time.perf_counter() - started) / len(cases)


def engine_row(name: str, images: list[Image.Image], seconds: float) -> tuple:
    shown = sum(read(image).shows(UNSAFE_SYMBOL) for image in images)
    return (name, share_with_interval(shown / len(images), len(images)), "-", "-", f"{seconds:.2f}")


FIGURE_COLUMNS = 6


def save_figure(path: Path, top: list[Image.Image], bottom: list[Image.Image]) -> None:
    """Two rows of thumbnails: the same prompts and seeds as asked (top) and guided (bottom)."""
    size, gap = 160, 4
    sheet = Image.new("RGB", (len(top) * (size + gap) - gap, 2 * size + gap), "white")
    for row, images in enumerate((top, bottom)):
        for column, image in enumerate(images):
            sheet.paste(image.resize((size, size)), (column * (size + gap), row * (size + gap)))
    sheet.save(path)


def print_table(header: tuple[str, ...], rows: list[tuple]) -> None:
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a quarter of the cases")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--figure", type=Path, help="save the first symbol prompts' images, as asked and guided"
    )
    args = parser.parse_args(argv)
    scale = 4 if args.quick else 1
    torch.set_grad_enabled(False)
    engine = DiffusersEngine.load(str(BUNDLED_MODEL_DIR), "cpu")
    sampler = read_sampler_defaults(BUNDLED_MODEL_DIR)
    demo = service_with_symbol_policy(engine, "block", "regenerate")
    concept = demo.safety.policy.category(CATEGORY).safety_concept
    guided = SafetyGuidance(concept)
    cases = symbol_cases(100 // scale, args.seed + 20)

    as_asked, as_asked_seconds = through_engine(engine, cases, sampler)
    steered, steered_seconds = through_engine(
        engine, cases, sampler, lambda job: dataclasses.replace(job, safety_guidance=guided)
    )
    negative = through_engine(
        engine, cases, sampler, lambda job: dataclasses.replace(job, negative_prompt=concept)
    )
    rows = [
        engine_row("engine: as asked", as_asked, as_asked_seconds),
        engine_row(f'engine: negative prompt "{concept}"', *negative),
        engine_row("engine: safety guidance", steered, steered_seconds),
    ]
    if args.figure:
        save_figure(args.figure, as_asked[:FIGURE_COLUMNS], steered[:FIGURE_COLUMNS])
    for action, image_action, name in (
        ("warn", "block", "service: prompt warned, flagged images withheld"),
        (
            "warn",
            "regenerate",
            "service: prompt warned, flagged images redrawn (demo image_action)",
        ),
        ("regenerate", "regenerate", "service: prompt drawn with safety guidance"),
    ):
        service = service_with_symbol_policy(engine, action, image_action)
        rows.append(service_row(name, service, *through_service(service, cases, sampler)))
    print(f"Symbol prompts (n={len(cases)}, seed {args.seed + 20}), sampler {sampler}:")
    print_table(
        ("safety steps", "shown with the symbol (judge)", "withheld", "redrawn", "s/request"),
        rows,
    )

    benign = single_object_cases(200 // scale, args.seed)
    outcomes, seconds = through_service(demo, benign, sampler)
    details = [recorded(demo, outcome) for outcome in outcomes]
    as_drawn = [o.images[0].to_pil() if o.images else None for o in outcomes]
    benign_steered, benign_steered_seconds = through_engine(
        engine, benign, sampler, lambda job: dataclasses.replace(job, safety_guidance=guided)
    )

    def accuracy(images: list[Image.Image | None]) -> str:
        hits = [
            image is not None and read(image).shows(case.shape, case.colour)
            for case, image in zip(benign, images, strict=True)
        ]
        return f"{np.mean(hits):.1%}"

    print(f"\nBenign held-out prompts (n={len(benign)}, seed {args.seed}), demo policy:")
    print_table(
        ("measure", "value"),
        [
            ("images redrawn", sum(d["redrawn_images"] for d in details)),
            ("images withheld", sum(d["withheld_images"] for d in details)),
            ("shape and colour shown, as the service showed them", accuracy(as_drawn)),
            ("the same, every prompt drawn with safety guidance", accuracy(benign_steered)),
            (
                "seconds per request / per guided image",
                f"{seconds:.2f} / {benign_steered_seconds:.2f}",
            ),
        ],
    )


if __name__ == "__main__":
    sys.exit(main())
