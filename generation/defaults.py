"""The sampler settings a model recommends for itself, with the usual ones as a fallback.

Stable Diffusion checkpoints are made to be sampled at guidance 7-7.5 and most UIs start
there, but a small model can follow prompts better with less: the bundled shapes model
draws shapes, colours and the forbidden symbol it is asked for best at guidance 4 with
Euler a (its model card has the figures). diffusers has no place for such a
recommendation, so a local model folder may carry `sampler_defaults.json`, for example
`{"scheduler": "Euler a", "guidance_scale": 4.0, "steps": 20}`. The app starts its
controls there and the shapes benchmark measures with it, so the figures describe what a
user gets without touching a slider.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from generation.model_folder import read_folder_json
from generation.schedulers import DEFAULT_SCHEDULER, SCHEDULERS, make_scheduler

DEFAULTS_FILE = "sampler_defaults.json"


@dataclass(frozen=True)
class SamplerDefaults:
    """Where the steps, guidance and sampler controls start, and how hard inpainting points
    the prompt at the mask (`generation/mask_focus.py`; 0, the usual, leaves it as diffusers
    does it)."""

    steps: int = 20
    guidance_scale: float = 7.0
    scheduler: str = DEFAULT_SCHEDULER
    inpaint_mask_focus: float = 0.0

    def __post_init__(self) -> None:
        if self.scheduler not in SCHEDULERS:
            raise ValueError(
                f"unknown sampler {self.scheduler!r}; choose one of {', '.join(SCHEDULERS)}"
            )
        if not isinstance(self.steps, int) or self.steps < 1:
            raise ValueError(f"steps must be a whole number of at least 1, not {self.steps!r}")
        for name in ("guidance_scale", "inpaint_mask_focus"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{name} must be a number >= 0, not {value!r}")


USUAL_SAMPLER = SamplerDefaults()  # what most Stable Diffusion UIs start at


def use_sampler(pipeline, sampler: SamplerDefaults) -> dict[str, float | int]:
    """Put the sampler on a diffusers pipeline; returns the call's steps and guidance.

    For scripts that draw many images at a model's recommended settings (the benchmark,
    the detector's training images); the app's engine takes them from each job instead.
    """
    pipeline.scheduler = make_scheduler(sampler.scheduler, pipeline.scheduler.config)
    return {"num_inference_steps": sampler.steps, "guidance_scale": sampler.guidance_scale}


def read_sampler_defaults(model_id: str | Path) -> SamplerDefaults:
    """The model folder's recommendation, or the usual settings (hub ids have none here).

    A broken file stops start-up with a message naming it, rather than being ignored.
    """

    def parse(values: dict) -> SamplerDefaults:
        unknown = sorted(set(values) - {field.name for field in fields(SamplerDefaults)})
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(unknown)}")
        return SamplerDefaults(**values)

    return read_folder_json(model_id, DEFAULTS_FILE, parse, USUAL_SAMPLER)


def write_sampler_defaults(defaults: SamplerDefaults, model_dir: Path) -> None:
    (model_dir / DEFAULTS_FILE).write_text(json.dumps(asdict(defaults), indent=2) + "\n")
