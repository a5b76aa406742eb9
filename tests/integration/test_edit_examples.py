"""The example edits under the Image to image and Inpaint tabs do what they show, on the
bundled model, through the same request checks as an upload."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageFilter

from benchmarks.shapes_judge import read
from generation.edit_examples import EditExample, read_edit_examples
from generation.job import Mode
from service.requests import GenerationRequest, build_job
from settings import BUNDLED_MODEL_DIR, GenerationLimits

pytestmark = pytest.mark.integration

# What each example asks for (shape, colour). On 12 seeds each, the shipped weights draw it
# for 12, 12, 11 and 11. Seeds 0-3 are checked here.
ASKED = {
    "a large red square on a blue background": ("square", "red"),
    "a large yellow circle on a blue background": ("circle", "yellow"),
    "a blue star on a white background": ("star", "blue"),
    "a green triangle on a white background": ("triangle", "green"),
}
SEEDS = range(4)
EXAMPLES = read_edit_examples(BUNDLED_MODEL_DIR)
# A max filter this wide reaches past the edge that the tab's 4-pixel mask blur softens.
BLUR_REACH = 33


def run(engine, mode: Mode, example: EditExample, seed: int) -> tuple[Image.Image, Image.Image]:
    """The example as the tab sends it (the model's own sampler settings, the tab's mask blur),
    and the picture it started from."""
    sampler = engine.info.sampler
    request = GenerationRequest(
        mode=mode,
        prompt=example.prompt,
        seed=seed,
        steps=sampler.steps,
        guidance_scale=sampler.guidance_scale,
        scheduler=sampler.scheduler,
        strength=example.strength,
        image=str(example.image),
        mask=str(example.mask) if example.mask else None,
    )
    job = build_job(request, GenerationLimits(), (256, 256), mask_focus=sampler.inpaint_mask_focus)
    return engine.generate(job)[0], job.init_image


def test_every_example_is_checked():
    assert set(ASKED) == {e.prompt for e in (*EXAMPLES.image_to_image, *EXAMPLES.inpaint)}


@pytest.mark.parametrize("example", EXAMPLES.image_to_image, ids=lambda e: e.prompt)
def test_image_to_image_example_changes_what_it_asks_and_keeps_the_background(engine, example):
    shape, colour = ASKED[example.prompt]
    shown = 0
    for seed in SEEDS:
        result, _ = run(engine, Mode.IMAGE_TO_IMAGE, example, seed)
        reading = read(result)
        shown += reading.shows(shape, colour) and reading.background == "blue"
    assert shown >= 3, f"{example.prompt!r}: {shape} in {colour} for {shown} of 4 seeds"


@pytest.mark.parametrize("example", EXAMPLES.inpaint, ids=lambda e: e.prompt)
def test_inpaint_example_redraws_the_painted_object_and_keeps_the_rest(engine, example):
    shape, colour = ASKED[example.prompt]
    layer = Image.open(example.mask)
    painted = np.asarray(layer)[..., 3] > 0
    near_paint = layer.getchannel("A").filter(ImageFilter.MaxFilter(BLUR_REACH))
    far = np.asarray(near_paint) == 0
    shown = 0
    for seed in SEEDS:
        result, source = run(engine, Mode.INPAINT, example, seed)
        # Outside the painted square, past the mask blur's reach, nothing moves.
        assert np.array_equal(np.asarray(result)[far], np.asarray(source)[far])
        inside = [
            obj
            for obj in read(result).objects
            if painted[int(obj.centre[1] * painted.shape[0]), int(obj.centre[0] * painted.shape[1])]
        ]
        shown += any(obj.shape == shape and obj.colour == colour for obj in inside)
    assert shown >= 3, f"{example.prompt!r}: {shape} in {colour} for {shown} of 4 seeds"
