"""Generation parameters written into each PNG, so anyone holding the file can reproduce it.

Two text chunks: `parameters` in the plain-text form other Stable Diffusion tools read and
write, and `safecanvas` with the same values as JSON for programs.
"""

from __future__ import annotations

import io
import json

from PIL import Image, PngImagePlugin

from generation.job import GenerationJob, Mode

JSON_KEY = "safecanvas"
TEXT_KEY = "parameters"


def generation_parameters(job: GenerationJob, index: int, model_id: str) -> dict[str, object]:
    """Everything needed to make image `index` of `job` again with the same model."""
    parameters: dict[str, object] = {
        "mode": job.mode.value,
        "prompt": job.prompt,
        "negative_prompt": job.negative_prompt,
        "seed": job.seed_of(index),
        "steps": job.steps,
        "guidance_scale": job.guidance_scale,
        "width": job.width,
        "height": job.height,
        "scheduler": job.scheduler,
        "model": model_id,
    }
    if job.mode is not Mode.TEXT_TO_IMAGE:
        parameters["strength"] = job.strength
    if job.mode is Mode.INPAINT:
        parameters["mask_blur"] = job.mask_blur
        parameters["keep_unmasked"] = job.keep_unmasked
        if job.mask_focus:
            # Part of how the image was made, like safety guidance below.
            parameters["mask_focus"] = job.mask_focus
    if job.safety_guidance is not None:
        # Part of how the image was made: without it the same seed draws another image.
        parameters["safety_guidance"] = job.safety_guidance.concept
    return parameters


def parameters_text(parameters: dict[str, object]) -> str:
    """The `Steps: 20, Sampler: Euler a, ...` form that other SD tools understand."""
    lines = [str(parameters["prompt"])]
    if parameters.get("negative_prompt"):
        lines.append(f"Negative prompt: {parameters['negative_prompt']}")
    fields = {
        "Steps": parameters["steps"],
        "Sampler": parameters["scheduler"],
        "CFG scale": parameters["guidance_scale"],
        "Seed": parameters["seed"],
        "Size": f"{parameters['width']}x{parameters['height']}",
        "Model": parameters["model"],
    }
    if "strength" in parameters:
        fields["Denoising strength"] = parameters["strength"]
    if "mask_focus" in parameters:
        fields["Mask focus"] = parameters["mask_focus"]
    if "safety_guidance" in parameters:
        fields["Safety guidance"] = parameters["safety_guidance"]
    lines.append(", ".join(f"{key}: {value}" for key, value in fields.items()))
    return "\n".join(lines)


def encode_png(
    image: Image.Image, parameters: dict[str, object], extra_text: dict[str, str] | None = None
) -> bytes:
    """Lossless PNG bytes carrying the parameters (and any extra text chunks, e.g. provenance)."""
    info = PngImagePlugin.PngInfo()
    info.add_text(TEXT_KEY, parameters_text(parameters))
    info.add_text(JSON_KEY, json.dumps(parameters, ensure_ascii=False))
    for key, value in (extra_text or {}).items():
        info.add_text(key, value)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def read_parameters(png: bytes | str) -> dict[str, object]:
    """The parameters a SafeCanvas PNG carries (empty if it carries none)."""
    with Image.open(io.BytesIO(png) if isinstance(png, bytes) else png) as image:
        text = image.info.get(JSON_KEY)
    return json.loads(text) if text else {}
