"""Mask focus on the bundled model: at the weight its folder recommends, the engine inpaints
the asked object inside the mask more often than diffusers' plain inpainting (weight 0), and
leaves everything outside it alone."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.shapes_judge import read
from benchmarks.shapes_quality import inpaint_cases
from generation.engine import DiffusersEngine
from generation.job import GenerationJob, Mode

pytestmark = pytest.mark.integration

CASES = inpaint_cases(16, 10)  # the shapes benchmark's first 16 inpainting cases


def inpainted(engine: DiffusersEngine, source, mask, case, focus: float):
    sampler = engine.info.sampler
    job = GenerationJob(
        mode=Mode.INPAINT,
        prompt=case.prompt,
        negative_prompt="",
        seed=case.seed,
        steps=sampler.steps,
        guidance_scale=sampler.guidance_scale,
        width=256,
        height=256,
        num_images=1,
        scheduler=sampler.scheduler,
        init_image=source,
        mask=mask,
        mask_focus=focus,
    )
    return engine.generate(job)[0]


def drawn_inside(image, mask, case) -> bool:
    inside = np.asarray(mask) > 0
    return any(
        obj.colour == case.colour
        and obj.shape == case.shape
        and inside[int(obj.centre[1] * 256), int(obj.centre[0] * 256)]
        for obj in read(image).objects
    )


def test_the_bundled_model_recommends_a_mask_focus(engine):
    assert engine.info.sampler.inpaint_mask_focus > 0


def test_mask_focus_draws_the_asked_object_inside_the_mask_more_often(engine):
    weight = engine.info.sampler.inpaint_mask_focus
    focused = plain = 0
    for source, mask, case in CASES:
        image = inpainted(engine, source, mask, case, weight)
        outside = np.asarray(mask) == 0
        assert np.array_equal(np.asarray(image)[outside], np.asarray(source)[outside])
        focused += drawn_inside(image, mask, case)
        plain += drawn_inside(inpainted(engine, source, mask, case, 0.0), mask, case)
    assert focused >= plain + 2, (focused, plain)
    assert focused >= 10, (focused, plain)
