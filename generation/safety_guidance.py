"""Safety guidance: steer an image away from a concept while it is drawn.

This is Safe Latent Diffusion (SLD; Schramowski et al., 2023, "Safe Latent Diffusion:
Mitigating Inappropriate Degeneration in Diffusion Models"). At every step the UNet also
predicts the noise for the unsafe concept, and the conditional prediction is moved away from
it wherever prompt and concept agree. A negative prompt cannot do this when the prompt itself
asks for the concept: it only replaces the unconditional baseline, and the prompt's pull
still wins. On 100 symbol prompts the bundled model drew the forbidden symbol for 77%, for
62% with it as a negative prompt and for 19% with this guidance
(`python -m benchmarks.symbol_mitigation`).

diffusers' own `StableDiffusionPipelineSafe` is deprecated and text-to-image only. The regular
pipelines all call the UNet once per step with the [unconditional, conditional] batch, so a
forward hook on the UNet gives the same update in text-to-image, image-to-image and
inpainting, with the pipeline's own classifier-free guidance left untouched:
uncond + s * ((cond - correction) - uncond) is SLD's equation 3.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class SafetyGuidance:
    """What to steer away from, and how hard: SLD's "max" setting by default.

    The weaker published settings ("strong", "medium") left the forbidden symbol in 62% and
    74% of the bundled model's images for 50 symbol prompts (72% unguided; max: 22%), and
    without momentum max left it in half of them (docs/MODEL_CARD.md). Warm-up steps are 0
    in that setting and are left out.
    """

    concept: str
    scale: float = 5000.0
    threshold: float = 1.0
    momentum_scale: float = 0.5
    momentum_beta: float = 0.7


def safety_correction(
    uncond: torch.Tensor,
    cond: torch.Tensor,
    concept: torch.Tensor,
    momentum: torch.Tensor,
    guidance: SafetyGuidance,
) -> tuple[torch.Tensor, torch.Tensor]:
    """SLD's equations 4 to 8: what to subtract from `cond`, and the momentum after this step.

    The concept's direction (concept - uncond) is applied element-wise, scaled by how close
    the prompt's prediction is to the concept's: where they agree the image is being drawn
    towards the concept, and where the prompt is far above it (by `threshold` or more) the
    pixel is left alone.
    """
    gap = cond - concept
    weight = torch.clamp(gap.abs() * guidance.scale, max=1.0)
    weight = torch.where(gap >= guidance.threshold, torch.zeros_like(weight), weight)
    correction = (concept - uncond) * weight + guidance.momentum_scale * momentum
    momentum = guidance.momentum_beta * momentum + (1 - guidance.momentum_beta) * correction
    return correction, momentum


@contextmanager
def safety_guided(
    unet: torch.nn.Module,
    guidance: SafetyGuidance,
    concept_embeds: torch.Tensor,
    uncond_embeds: torch.Tensor | None,
) -> Iterator[None]:
    """Apply `guidance` to every UNet call made inside the block.

    `uncond_embeds` is None when the pipeline runs classifier-free guidance (its batch then
    holds the unconditional half first); otherwise the hook predicts the unconditional noise
    itself from these embeddings, one extra UNet pass per step.
    """
    momentum: torch.Tensor | None = None
    inner = False

    def hook(module, args, kwargs, output):
        nonlocal momentum, inner
        if inner:  # the hook's own UNet call
            return output
        sample, timestep = _sample_and_timestep(args, kwargs)
        prediction = output[0] if isinstance(output, tuple) else output.sample
        extra = {
            key: value
            for key, value in kwargs.items()
            if key not in ("sample", "timestep", "encoder_hidden_states")
        }
        paired = uncond_embeds is None
        count = sample.shape[0] // 2 if paired else sample.shape[0]
        embeds = [concept_embeds.expand(count, -1, -1)]
        if not paired:
            embeds.append(uncond_embeds.expand(count, -1, -1))
        inner = True
        try:
            predicted = module(
                torch.cat([sample[-count:]] * len(embeds)),
                timestep,
                encoder_hidden_states=torch.cat(embeds),
                **extra,
            )
        finally:
            inner = False
        predicted = predicted[0] if isinstance(predicted, tuple) else predicted.sample
        concept = predicted[:count]
        uncond = prediction[:count] if paired else predicted[count:]
        cond = prediction[-count:]
        if momentum is None:
            momentum = torch.zeros_like(cond)
        correction, momentum = safety_correction(uncond, cond, concept, momentum, guidance)
        steered = torch.cat([prediction[:-count], cond - correction])
        if isinstance(output, tuple):
            return (steered, *output[1:])
        return type(output)(sample=steered)

    handle = unet.register_forward_hook(hook, with_kwargs=True)
    try:
        yield
    finally:
        handle.remove()


def _sample_and_timestep(args: tuple, kwargs: dict) -> tuple[torch.Tensor, torch.Tensor]:
    """diffusers pipelines pass the latents and timestep positionally; accept both forms."""
    sample = args[0] if args else kwargs["sample"]
    timestep = args[1] if len(args) > 1 else kwargs["timestep"]
    return sample, timestep
