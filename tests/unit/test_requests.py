from __future__ import annotations

import io

import pytest
from PIL import Image

from generation.job import Mode
from service.errors import InvalidRequest
from service.requests import MAX_SEED, GenerationRequest, build_job, parse_seed
from settings import GenerationLimits

LIMITS = GenerationLimits(max_upload_pixels=1024 * 1024)
DEFAULT_SIZE = (256, 256)


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def text_request(**changes) -> GenerationRequest:
    return GenerationRequest(mode=Mode.TEXT_TO_IMAGE, prompt="a red circle", **changes)


def build(request: GenerationRequest):
    return build_job(request, LIMITS, DEFAULT_SIZE, draw_seed=lambda: 1234)


def mask_layer(size=(256, 256), box=(64, 64, 128, 128)) -> Image.Image:
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    layer.paste((255, 0, 255, 255), box)
    return layer


@pytest.mark.parametrize("value", [None, "", "  ", -1, -1.0, "-1"])
def test_empty_or_minus_one_seed_draws_a_random_seed(value):
    assert parse_seed(value, draw=lambda: 77) == 77


@pytest.mark.parametrize("value", [0, 42, 42.0, "42", MAX_SEED])
def test_whole_seeds_in_range_are_kept(value):
    assert parse_seed(value) == int(float(value))


@pytest.mark.parametrize("value", [MAX_SEED + 1, -2, 1.5, "abc", float("nan")])
def test_seed_outside_range_or_not_whole_is_refused(value):
    with pytest.raises(InvalidRequest, match="seed"):
        parse_seed(value)


def test_text_request_becomes_a_job_with_defaults():
    job = build(text_request())
    assert (job.width, job.height, job.seed, job.steps, job.num_images) == (256, 256, 1234, 20, 1)


def test_each_image_of_a_batch_gets_its_own_seed():
    job = build(text_request(seed=MAX_SEED, num_images=2))
    assert [job.seed_of(0), job.seed_of(1)] == [MAX_SEED, 0]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"steps": 0}, "Steps"),
        ({"steps": LIMITS.max_steps + 1}, "Steps"),
        ({"steps": 2.5}, "Steps"),
        ({"width": 250}, "multiple of 8"),
        ({"height": 8}, "Height"),
        ({"width": LIMITS.max_side + 8}, "Width"),
        ({"num_images": LIMITS.max_images + 1}, "Number of images"),
        ({"guidance_scale": -1}, "Guidance"),
        ({"guidance_scale": float("nan")}, "Guidance"),
        ({"scheduler": "Nonsense"}, "sampler"),
        ({"negative_prompt": "x" * (LIMITS.max_prompt_chars + 1)}, "negative prompt"),
    ],
)
def test_out_of_bounds_parameters_are_refused_with_a_message(changes, message):
    with pytest.raises(InvalidRequest, match=message):
        build(text_request(**changes))


@pytest.mark.parametrize("prompt", ["", "   ", None])
def test_empty_prompt_is_refused(prompt):
    with pytest.raises(InvalidRequest, match="Write a prompt"):
        build(GenerationRequest(mode=Mode.TEXT_TO_IMAGE, prompt=prompt))


def test_image_to_image_needs_an_image():
    with pytest.raises(InvalidRequest, match="Upload an image"):
        build(GenerationRequest(mode=Mode.IMAGE_TO_IMAGE, prompt="x"))


def test_non_image_upload_is_refused():
    request = GenerationRequest(mode=Mode.IMAGE_TO_IMAGE, prompt="x", image=b"%PDF-1.4 not a png")
    with pytest.raises(InvalidRequest, match="could not be read"):
        build(request)


def test_truncated_image_is_refused():
    data = png_bytes(Image.new("RGB", (256, 256), "red"))[:200]
    with pytest.raises(InvalidRequest):
        build(GenerationRequest(mode=Mode.IMAGE_TO_IMAGE, prompt="x", image=data))


def test_image_over_the_pixel_limit_is_refused_before_decoding():
    # A 2048×2048 PNG of one colour compresses to a few KB: a small decompression bomb.
    bomb = png_bytes(Image.new("1", (2048, 2048)))
    assert len(bomb) < 10_000
    with pytest.raises(InvalidRequest, match="pixels"):
        build(GenerationRequest(mode=Mode.IMAGE_TO_IMAGE, prompt="x", image=bomb))


def test_uploaded_image_is_fitted_to_multiples_of_eight_within_bounds():
    image = Image.new("RGB", (1000, 501), "blue")
    job = build(GenerationRequest(mode=Mode.IMAGE_TO_IMAGE, prompt="x", image=png_bytes(image)))
    assert job.width % 8 == 0 and job.height % 8 == 0
    assert max(job.width, job.height) <= LIMITS.max_side
    assert job.init_image.size == (job.width, job.height)


def test_too_small_image_is_refused():
    request = GenerationRequest(
        mode=Mode.IMAGE_TO_IMAGE, prompt="x", image=png_bytes(Image.new("RGB", (32, 32)))
    )
    with pytest.raises(InvalidRequest, match="at least"):
        build(request)


def test_strength_outside_zero_to_one_is_refused():
    image = png_bytes(Image.new("RGB", (256, 256)))
    request = GenerationRequest(mode=Mode.IMAGE_TO_IMAGE, prompt="x", image=image, strength=1.5)
    with pytest.raises(InvalidRequest, match="Strength"):
        build(request)


def test_inpaint_mask_comes_from_the_painted_layer():
    image = Image.new("RGB", (256, 256), "white")
    request = GenerationRequest(mode=Mode.INPAINT, prompt="x", image=image, mask=mask_layer())
    job = build(request)
    assert job.mask.mode == "L"
    assert job.mask.getbbox() == (64, 64, 128, 128)


def test_inpaint_mask_of_another_size_is_refused():
    image = Image.new("RGB", (256, 256), "white")
    request = GenerationRequest(
        mode=Mode.INPAINT, prompt="x", image=image, mask=mask_layer(size=(128, 128))
    )
    with pytest.raises(InvalidRequest, match="must match"):
        build(request)


def test_empty_inpaint_mask_is_refused():
    image = Image.new("RGB", (256, 256), "white")
    empty = Image.new("RGBA", (256, 256), (0, 0, 0, 0))
    with pytest.raises(InvalidRequest, match="mask is empty"):
        build(GenerationRequest(mode=Mode.INPAINT, prompt="x", image=image, mask=empty))


def test_missing_inpaint_mask_is_refused():
    image = Image.new("RGB", (256, 256), "white")
    with pytest.raises(InvalidRequest, match="Paint over"):
        build(GenerationRequest(mode=Mode.INPAINT, prompt="x", image=image))


def test_mask_is_resized_with_the_image():
    image = Image.new("RGB", (1000, 1000), "white")
    request = GenerationRequest(
        mode=Mode.INPAINT,
        prompt="x",
        image=image,
        mask=mask_layer((1000, 1000), (0, 0, 500, 500)),
    )
    job = build_job(request, GenerationLimits(max_side=512), DEFAULT_SIZE)
    assert job.mask.size == job.init_image.size == (512, 512)
    assert job.mask.getbbox() == (0, 0, 256, 256)


def test_only_inpainting_jobs_take_the_models_mask_focus():
    image = Image.new("RGB", (256, 256), "white")
    inpaint = GenerationRequest(mode=Mode.INPAINT, prompt="x", image=image, mask=mask_layer())
    edit = GenerationRequest(mode=Mode.IMAGE_TO_IMAGE, prompt="x", image=image)
    assert build_job(inpaint, LIMITS, DEFAULT_SIZE, mask_focus=4.0).mask_focus == 4.0
    assert build_job(edit, LIMITS, DEFAULT_SIZE, mask_focus=4.0).mask_focus == 0.0
    assert build_job(text_request(), LIMITS, DEFAULT_SIZE, mask_focus=4.0).mask_focus == 0.0
    assert build(inpaint).mask_focus == 0.0  # a model that recommends none
