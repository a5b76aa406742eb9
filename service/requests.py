"""What a person (or an API client) asks for, and the rules that turn it into a job.

`GenerationRequest` holds raw values as they arrive from the UI or the API: numbers may be
floats, the seed may be empty, images may be file paths. `build_job` checks every value against
the configured limits and returns a `GenerationJob`, or raises `InvalidRequest` naming the
first thing to fix. Nothing runs, and nothing is counted, until a request passes.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

from generation.defaults import USUAL_SAMPLER
from generation.job import GenerationJob, Mode
from generation.schedulers import SCHEDULERS
from service.errors import InvalidRequest
from service.images import ImageSource, fit_size, mask_from_layer, open_upload, to_rgb
from settings import GenerationLimits

MAX_SEED = 2**32 - 1
DEFAULT_MASK_BLUR = 4  # pixels: what the Inpaint tab starts at


@dataclass(frozen=True)
class GenerationRequest:
    mode: Mode
    prompt: str
    negative_prompt: str = ""
    seed: int | float | str | None = None
    steps: int | float = USUAL_SAMPLER.steps
    guidance_scale: float = USUAL_SAMPLER.guidance_scale
    width: int | float | None = None
    height: int | float | None = None
    num_images: int | float = 1
    scheduler: str = USUAL_SAMPLER.scheduler
    strength: float = 0.75
    image: ImageSource | None = None
    # An editor layer (painted where alpha > 0) or a plain mask (painted where not black).
    mask: ImageSource | None = None
    mask_blur: int | float = DEFAULT_MASK_BLUR
    keep_unmasked: bool = True


def random_seed() -> int:
    return secrets.randbelow(MAX_SEED + 1)


def parse_seed(value: int | float | str | None, draw: Callable[[], int] = random_seed) -> int:
    """Empty or -1 means "surprise me"; anything else must be a whole number in 0..2^32-1."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return draw()
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidRequest(f"The seed must be a whole number, not {str(value)[:20]!r}.") from None
    if number == -1:
        return draw()
    if not number.is_integer() or not 0 <= number <= MAX_SEED:
        raise InvalidRequest(f"The seed must be a whole number from 0 to {MAX_SEED}, or -1.")
    return int(number)


def _whole(value: int | float | None, name: str, low: int, high: int) -> int:
    if value is None or isinstance(value, bool):
        raise InvalidRequest(f"{name} is missing.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidRequest(f"{name} must be a number.") from None
    if not number.is_integer() or not low <= number <= high:
        raise InvalidRequest(f"{name} must be a whole number from {low} to {high}.")
    return int(number)


def _fraction(value: float, name: str, low: float, high: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidRequest(f"{name} must be a number.") from None
    if math.isnan(number) or not low <= number <= high:
        raise InvalidRequest(f"{name} must be between {low:g} and {high:g}.")
    return number


def _side(value: int | float | None, name: str, default: int, limits: GenerationLimits) -> int:
    side = default if value is None else _whole(value, name, limits.min_side, limits.max_side)
    if side % 8:
        raise InvalidRequest(f"{name} must be a multiple of 8 (for example {side // 8 * 8}).")
    return side


def _text(value: str | None, name: str, limits: GenerationLimits) -> str:
    text = value or ""
    if not isinstance(text, str):
        raise InvalidRequest(f"The {name} must be text.")
    if len(text) > limits.max_prompt_chars:
        raise InvalidRequest(
            f"The {name} is {len(text):,} characters long; "
            f"the limit is {limits.max_prompt_chars:,}."
        )
    return text


def build_job(
    request: GenerationRequest,
    limits: GenerationLimits,
    default_size: tuple[int, int],
    draw_seed: Callable[[], int] = random_seed,
    mask_focus: float = 0.0,
) -> GenerationJob:
    """Check every field of `request`; the first problem found is raised as `InvalidRequest`.

    `default_size` and `mask_focus` (for inpainting) are the model's: its folder recommends
    them, the request does not choose them.
    """
    prompt = _text(request.prompt, "prompt", limits)
    if not prompt.strip():
        raise InvalidRequest("Write a prompt: describe the picture you want.")
    if request.scheduler not in SCHEDULERS:
        raise InvalidRequest(
            f"Unknown sampler {str(request.scheduler)[:40]!r}; choose one of "
            + ", ".join(SCHEDULERS)
            + "."
        )
    width, height = default_size
    init_image = mask = None
    if request.mode is Mode.TEXT_TO_IMAGE:
        width = _side(request.width, "Width", width, limits)
        height = _side(request.height, "Height", height, limits)
    else:
        init_image, mask = _prepare_images(request, limits)
        width, height = init_image.size
    return GenerationJob(
        mode=request.mode,
        prompt=prompt,
        negative_prompt=_text(request.negative_prompt, "negative prompt", limits),
        seed=parse_seed(request.seed, draw_seed),
        steps=_whole(request.steps, "Steps", 1, limits.max_steps),
        guidance_scale=_fraction(
            request.guidance_scale, "Guidance scale", 0.0, limits.max_guidance
        ),
        width=width,
        height=height,
        num_images=_whole(request.num_images, "Number of images", 1, limits.max_images),
        scheduler=request.scheduler,
        strength=_fraction(request.strength, "Strength", 0.0, 1.0),
        init_image=init_image,
        mask=mask,
        mask_blur=_whole(request.mask_blur, "Mask blur", 0, limits.max_mask_blur),
        keep_unmasked=bool(request.keep_unmasked),
        mask_focus=mask_focus if request.mode is Mode.INPAINT else 0.0,
    )


def _prepare_images(
    request: GenerationRequest, limits: GenerationLimits
) -> tuple[Image.Image, Image.Image | None]:
    """The input image (and inpainting mask) at a size the model can work at."""
    if request.image is None:
        raise InvalidRequest("Upload an image to start from.")
    image = to_rgb(open_upload(request.image, limits.max_upload_pixels, "image"))
    size = fit_size(*image.size, limits.min_side, limits.max_side)
    mask = None
    if request.mode is Mode.INPAINT:
        if request.mask is None:
            raise InvalidRequest("Paint over the part of the image you want to change.")
        mask = mask_from_layer(open_upload(request.mask, limits.max_upload_pixels, "mask"))
        if mask.size != image.size:
            raise InvalidRequest(
                f"The mask is {mask.width}×{mask.height} pixels but the image is "
                f"{image.width}×{image.height}; they must match."
            )
        if mask.getbbox() is None:
            raise InvalidRequest("The mask is empty: paint over the part of the image to change.")
        if size != image.size:
            mask = mask.resize(size, Image.Resampling.NEAREST)
    if size != image.size:
        image = image.resize(size, Image.Resampling.LANCZOS)
    return image, mask
