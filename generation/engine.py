"""The diffusers engine: one set of weights serving text-to-image, image-to-image and inpainting.

It knows nothing about policy: it is handed a validated `GenerationJob` and a per-step callback,
and returns PIL images. Safety guidance arrives as a plain knob on the job: what to steer away
from (`generation/safety_guidance.py`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import torch
from diffusers import (
    AutoPipelineForImage2Image,
    AutoPipelineForInpainting,
    AutoPipelineForText2Image,
    DiffusionPipeline,
)
from PIL import Image, ImageChops, ImageFilter

from generation.defaults import USUAL_SAMPLER, SamplerDefaults, read_sampler_defaults
from generation.devices import select_device
from generation.edit_examples import NO_EDIT_EXAMPLES, EditExamples, read_edit_examples
from generation.job import GenerationJob, Mode
from generation.mask_focus import inpaint_focus
from generation.model_card import USUAL_CARD, ModelCard, read_model_card
from generation.safety_guidance import safety_guided
from generation.schedulers import make_scheduler

StepCallback = Callable[[int, int], None]
"""Called after each denoising step with (steps done, steps in total).

It may raise `GenerationCancelled` to stop the run at once."""


class GenerationCancelled(Exception):
    """The person who asked for the images cancelled the run."""


@dataclass(frozen=True)
class ModelInfo:
    model_id: str
    device: str
    dtype: str
    default_width: int
    default_height: int
    sampler: SamplerDefaults = USUAL_SAMPLER
    card: ModelCard = USUAL_CARD
    edit_examples: EditExamples = NO_EDIT_EXAMPLES


def composite_unmasked(
    generated: Image.Image, original: Image.Image, mask: Image.Image
) -> Image.Image:
    """Put the original pixels back wherever the mask is 0, so they survive the VAE unchanged."""
    return Image.composite(generated.convert("RGB"), original.convert("RGB"), mask.convert("L"))


def blur_mask(mask: Image.Image, radius: int) -> Image.Image:
    """Soften the mask's edge so the repainted area blends into its surroundings.

    The edge fades inwards only: a plain blur also spreads the mask over the unpainted
    side (10 pixels at radius 4, with up to 45% weight), and compositing then changed
    pixels the "keep the unpainted area pixel-exact" option promises to keep.
    """
    if radius <= 0:
        return mask
    return ImageChops.darker(mask.filter(ImageFilter.GaussianBlur(radius)), mask)


def model_label(model_id: str) -> str:
    """How outputs name their model: the hub id, or a local folder's name (never a local path)."""
    path = Path(model_id)
    return path.name if path.is_dir() else model_id


class DiffusersEngine:
    """Holds the three pipelines, which share every module, and runs one job at a time."""

    def __init__(
        self,
        text_to_image: DiffusionPipeline,
        model_id: str,
        sampler: SamplerDefaults = USUAL_SAMPLER,
        card: ModelCard = USUAL_CARD,
        edit_examples: EditExamples = NO_EDIT_EXAMPLES,
    ) -> None:
        self._pipelines: dict[Mode, DiffusionPipeline] = {
            Mode.TEXT_TO_IMAGE: text_to_image,
            Mode.IMAGE_TO_IMAGE: AutoPipelineForImage2Image.from_pipe(text_to_image),
            Mode.INPAINT: AutoPipelineForInpainting.from_pipe(text_to_image),
        }
        for pipeline in self._pipelines.values():
            pipeline.set_progress_bar_config(disable=True)
        self._scheduler_config = dict(text_to_image.scheduler.config)
        # Pipelines keep per-call state (scheduler, step counters): never share one call.
        self._lock = threading.Lock()
        sample_size = text_to_image.unet.config.sample_size
        if isinstance(sample_size, int):
            sample_size = (sample_size, sample_size)
        scale = text_to_image.vae_scale_factor
        self.info = ModelInfo(
            model_id=model_id,
            device=str(text_to_image.device),
            dtype=str(text_to_image.unet.dtype).removeprefix("torch."),
            default_height=sample_size[0] * scale,
            default_width=sample_size[1] * scale,
            sampler=sampler,
            card=card,
            edit_examples=edit_examples,
        )

    @classmethod
    def load(cls, model_id: str, device: str = "auto") -> DiffusersEngine:
        """Load a diffusers checkpoint (hub id or local folder) once, for the whole process.

        The pipelines' own safety checker is switched off: SafeCanvas's safety stack checks
        every output, and the built-in one would silently return black images instead.
        """
        # A broken file fails before the slow load.
        sampler, card = read_sampler_defaults(model_id), read_model_card(model_id)
        edit_examples = read_edit_examples(model_id)
        device, dtype = select_device(device)
        pipeline = AutoPipelineForText2Image.from_pretrained(
            model_id, dtype=dtype, safety_checker=None, requires_safety_checker=False
        )
        pipeline.to(device)
        return cls(pipeline, model_label(model_id), sampler, card, edit_examples)

    def generate(
        self, job: GenerationJob, on_step: StepCallback | None = None
    ) -> list[Image.Image]:
        with self._lock:
            pipeline = self._pipelines[job.mode]
            pipeline.scheduler = make_scheduler(job.scheduler, self._scheduler_config)
            if job.mode is not Mode.TEXT_TO_IMAGE and int(job.steps * job.strength) < 1:
                # Nothing to denoise: the answer to "change it by nothing" is the input itself.
                return [job.init_image.convert("RGB").copy() for _ in range(job.num_images)]

            def step_end(pipe, step_index, _timestep, callback_kwargs):
                if on_step is not None:
                    on_step(step_index + 1, pipe.num_timesteps)
                return callback_kwargs

            # The softened mask is what the pipeline paints, what focus aims at and what
            # compositing keeps: blur it once.
            mask = blur_mask(job.mask, job.mask_blur) if job.mode is Mode.INPAINT else None
            with self._guided(pipeline, job), self._focused(pipeline, job, mask):
                images = self._run(pipeline, job, mask, step_end)
        if mask is not None and job.keep_unmasked:
            images = [composite_unmasked(image, job.init_image, mask) for image in images]
        return images

    def _run(
        self,
        pipeline: DiffusionPipeline,
        job: GenerationJob,
        mask: Image.Image | None,
        step_end: Callable[..., dict],
    ) -> list[Image.Image]:
        return pipeline(
            **self._mode_arguments(job, mask),
            prompt=job.prompt,
            negative_prompt=job.negative_prompt or None,
            num_inference_steps=job.steps,
            guidance_scale=job.guidance_scale,
            height=job.height,
            width=job.width,
            num_images_per_prompt=job.num_images,
            # One generator per image: image i is reproducible alone from seed_of(i).
            generator=[
                torch.Generator(device="cpu").manual_seed(job.seed_of(i))
                for i in range(job.num_images)
            ],
            callback_on_step_end=step_end,
            output_type="pil",
        ).images

    @staticmethod
    def _guided(pipeline: DiffusionPipeline, job: GenerationJob):
        """Safety guidance for this run, if the job asks for it (else a no-op context)."""
        if job.safety_guidance is None:
            return nullcontext()
        device = pipeline.device
        concept, _ = pipeline.encode_prompt(job.safety_guidance.concept, device, 1, False)
        uncond = None
        if job.guidance_scale <= 1:  # no classifier-free batch to take the baseline from
            uncond, _ = pipeline.encode_prompt(job.negative_prompt, device, 1, False)
        return safety_guided(pipeline.unet, job.safety_guidance, concept, uncond)

    def _focused(self, pipeline: DiffusionPipeline, job: GenerationJob, mask: Image.Image | None):
        """Mask focus for an inpainting run, at the job's weight (else a no-op)."""
        if mask is None:
            return nullcontext()
        return inpaint_focus(
            pipeline,
            job.prompt,
            mask,
            job.mask_focus,
            (job.height, job.width),
            job.num_images,
            job.guidance_scale,
        )

    def _mode_arguments(self, job: GenerationJob, mask: Image.Image | None) -> dict[str, object]:
        if job.mode is Mode.IMAGE_TO_IMAGE:
            return {"image": job.init_image, "strength": job.strength}
        if job.mode is Mode.INPAINT:
            return {
                "image": job.init_image,
                "mask_image": mask,
                "strength": job.strength,
            }
        return {}
