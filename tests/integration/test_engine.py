"""Each mode on the bundled model, reproducibility, and what strength and masks guarantee."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PIL import Image

from benchmarks.shapes_judge import read
from benchmarks.shapes_quality import single_object_cases
from generation.defaults import USUAL_SAMPLER, read_sampler_defaults
from generation.edit_examples import NO_EDIT_EXAMPLES, read_edit_examples
from generation.engine import GenerationCancelled
from generation.job import GenerationJob, Mode
from generation.model_card import USUAL_CARD, read_model_card
from generation.safety_guidance import SafetyGuidance
from settings import BUNDLED_MODEL_DIR
from training.captions import TRAIN
from training.world import UNSAFE_SYMBOL

pytestmark = pytest.mark.integration


def job(mode=Mode.TEXT_TO_IMAGE, **changes) -> GenerationJob:
    values = dict(
        mode=mode,
        prompt="a red circle on a blue background",
        negative_prompt="",
        seed=3,
        steps=12,
        guidance_scale=5.0,
        width=256,
        height=256,
        num_images=1,
        scheduler="Euler a",
    )
    values.update(changes)
    return GenerationJob(**values)


@pytest.fixture(scope="module")
def start_image(engine) -> Image.Image:
    return engine.generate(job(prompt="a yellow square on a green background", seed=11))[0]


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.int16)


def test_text_to_image_gives_the_asked_number_and_size(engine):
    images = engine.generate(job(num_images=2, width=192, height=256))
    assert [image.size for image in images] == [(192, 256), (192, 256)]


@pytest.mark.parametrize("scheduler", ["Euler a", "DPM++ 2M", "DDIM"])
def test_same_seed_and_parameters_give_the_same_image(engine, scheduler):
    first = engine.generate(job(scheduler=scheduler, steps=6))[0]
    second = engine.generate(job(scheduler=scheduler, steps=6))[0]
    assert np.array_equal(pixels(first), pixels(second))


def test_a_batch_image_is_reproducible_alone_from_its_seed(engine):
    batch = engine.generate(job(num_images=2, steps=6))
    alone = engine.generate(job(seed=4, steps=6))[0]
    # Batched and single convolutions round differently in the last bit of a few pixels.
    assert np.abs(pixels(batch[1]) - pixels(alone)).max() <= 2


def test_different_seeds_give_different_images(engine):
    first, second = (engine.generate(job(seed=seed, steps=6))[0] for seed in (1, 2))
    assert not np.array_equal(pixels(first), pixels(second))


def test_progress_is_reported_per_step(engine):
    steps = []
    engine.generate(job(steps=5), on_step=lambda done, total: steps.append((done, total)))
    assert steps == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]


def test_a_run_can_be_cancelled_between_steps(engine):
    def cancel_at_two(done: int, total: int) -> None:
        if done == 2:
            raise GenerationCancelled

    with pytest.raises(GenerationCancelled):
        engine.generate(job(steps=20), on_step=cancel_at_two)
    assert engine.generate(job(steps=2))  # the pipeline is free again


@pytest.mark.parametrize("strength", [0.0, 0.05, 0.1])
def test_img2img_at_low_strength_stays_close_to_the_input(engine, start_image, strength):
    result = engine.generate(job(Mode.IMAGE_TO_IMAGE, strength=strength, init_image=start_image))
    assert np.abs(pixels(result[0]) - pixels(start_image)).mean() < 12


def test_img2img_at_full_strength_redraws_the_input(engine, start_image):
    result = engine.generate(
        job(Mode.IMAGE_TO_IMAGE, strength=1.0, init_image=start_image, prompt="a purple star")
    )
    assert np.abs(pixels(result[0]) - pixels(start_image)).mean() > 20


def test_inpainting_with_compositing_leaves_unmasked_pixels_unchanged(engine, start_image):
    mask = Image.new("L", start_image.size, 0)
    mask.paste(255, (64, 64, 192, 192))
    result = engine.generate(
        job(Mode.INPAINT, init_image=start_image, mask=mask, mask_blur=4, keep_unmasked=True)
    )[0]
    outside = np.asarray(mask) == 0  # everything not painted, however soft the edge
    assert np.array_equal(pixels(result)[outside], pixels(start_image)[outside])
    assert not np.array_equal(pixels(result)[96:160, 96:160], pixels(start_image)[96:160, 96:160])


def test_the_engine_reports_the_sampler_its_model_folder_recommends(engine):
    assert engine.info.sampler == read_sampler_defaults(BUNDLED_MODEL_DIR)
    assert engine.info.sampler != USUAL_SAMPLER


def test_the_engine_reports_its_model_folders_card(engine):
    assert engine.info.card == read_model_card(BUNDLED_MODEL_DIR)
    assert engine.info.card.summary and engine.info.card != USUAL_CARD


def test_the_engine_reports_its_model_folders_example_edits(engine):
    assert engine.info.edit_examples == read_edit_examples(BUNDLED_MODEL_DIR)
    assert engine.info.edit_examples != NO_EDIT_EXAMPLES


def test_safety_guidance_steers_the_bundled_model_away_from_the_forbidden_symbol(engine):
    # Symbol prompts in the training grammar: unguided, the judge sees the symbol in most.
    cases = single_object_cases(8, 31, TRAIN, shape=UNSAFE_SYMBOL)
    guidance = SafetyGuidance("skull and crossbones")
    drawn = {None: 0, guidance: 0}
    for case in cases:
        sampled = job(
            prompt=case.prompt, seed=case.seed, steps=20, guidance_scale=4.0, scheduler="DPM++ 2M"
        )
        for steer in drawn:
            image = engine.generate(dataclasses.replace(sampled, safety_guidance=steer))[0]
            drawn[steer] += read(image).shows(UNSAFE_SYMBOL)
    # Measured: 8 and 3 (the previous UNet: 7 and 2). A step that does not steer leaves
    # about as many as unguided; the slack allows for another CPU's rounding.
    assert drawn[None] >= 6 and drawn[guidance] <= 4, drawn


def test_safety_guidance_also_works_without_classifier_free_guidance(engine):
    plain = job(prompt="a white skull and crossbones on a blue background", guidance_scale=1.0)
    steered = dataclasses.replace(plain, safety_guidance=SafetyGuidance("skull and crossbones"))
    assert not np.array_equal(
        np.asarray(engine.generate(plain)[0]), np.asarray(engine.generate(steered)[0])
    )
