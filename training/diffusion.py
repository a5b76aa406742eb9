"""Cache latents and prompt embeddings, then train the UNet on them.

Text encoder and VAE are frozen, so each image is encoded once and each caption
is embedded once, through the pipeline's own `encode_prompt`: the UNet trains on
exactly the embeddings it will see at inference, and a training step costs only
the UNet.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from dataclasses import dataclass

import torch
from diffusers import StableDiffusionPipeline, UNet2DConditionModel

from training.architecture import TEXT_DIM
from training.autoencoder import cosine_lr, to_tensor
from training.captions import caption, partial_caption
from training.text_encoder import MAX_LENGTH
from training.world import Scene, render


@dataclass
class TrainingSet:
    """Scaled latents (N, 4, 32, 32) and, per image, `captions_per_image` embeddings."""

    latents: torch.Tensor
    embeddings: torch.Tensor  # (N, captions_per_image, 77, 384), float16
    empty: torch.Tensor  # the "" embedding used for classifier-free guidance, (77, 384)


def captions_for(scene: Scene, rng: random.Random, count: int, partial_rate: float) -> list[str]:
    """`count` captions for one scene; some name a single attribute, like a negative prompt."""
    return [
        partial_caption(scene, rng) if rng.random() < partial_rate else caption(scene, rng)
        for _ in range(count)
    ]


@torch.no_grad()
def embed(pipeline: StableDiffusionPipeline, prompts: list[str]) -> torch.Tensor:
    embeds, _ = pipeline.encode_prompt(
        prompts, device="cpu", num_images_per_prompt=1, do_classifier_free_guidance=False
    )
    return embeds


@torch.no_grad()
def build_training_set(
    pipeline: StableDiffusionPipeline,
    scenes: list[Scene],
    seed: int,
    captions_per_image: int,
    partial_rate: float,
    chunk: int = 64,
    log: Callable[[str], None] = print,
) -> TrainingSet:
    """Render, encode and caption every scene."""
    rng = random.Random(seed)
    scale = pipeline.vae.config.scaling_factor
    latents, embeddings = [], []
    for start in range(0, len(scenes), chunk):
        batch = scenes[start : start + chunk]
        pixels = to_tensor([render(scene) for scene in batch])
        latents.append(pipeline.vae.encode(pixels).latents * scale)
        prompts = [
            p for scene in batch for p in captions_for(scene, rng, captions_per_image, partial_rate)
        ]
        embeddings.append(
            embed(pipeline, prompts)
            .to(torch.float16)
            .view(len(batch), captions_per_image, MAX_LENGTH, TEXT_DIM)
        )
        if start % (chunk * 20) == 0:
            log(f"cached {start + len(batch)}/{len(scenes)} scenes")
    return TrainingSet(
        latents=torch.cat(latents),
        embeddings=torch.cat(embeddings),
        empty=embed(pipeline, [""])[0].to(torch.float16),
    )


def min_snr_weights(scheduler, timesteps: torch.Tensor, gamma: float = 5.0) -> torch.Tensor:
    """Min-SNR-gamma loss weights (Hang et al., 2023): faster convergence for epsilon models."""
    alphas = scheduler.alphas_cumprod[timesteps]
    snr = alphas / (1 - alphas)
    return torch.clamp(snr, max=gamma) / snr


def train_unet(
    unet: UNet2DConditionModel,
    scheduler,
    data: TrainingSet,
    steps: int,
    batch: int,
    lr: float,
    seed: int,
    uncond_rate: float = 0.1,
    offset_noise: float = 0.0,
    ema_decay: float = 0.999,
    log: Callable[[str], None] = print,
) -> UNet2DConditionModel:
    """Denoising training on cached data; returns the EMA copy of the weights.

    `offset_noise` adds a random constant per image and channel to the noise. Without
    it the noise schedule never quite reaches pure noise: at the last timestep each
    image's mean colour still shows through (averaged over a 32 x 32 latent, the noise
    hides it less than the signal), so the UNet learns to read colour from its input
    instead of the prompt, and at inference the colour follows the seed. In a world
    of flat colours that is most of the picture (Lin et al., 2023; Guttenberg, 2023).
    """
    gen = torch.Generator().manual_seed(seed)
    ema = copy.deepcopy(unet).eval().requires_grad_(False)
    optimiser = torch.optim.AdamW(unet.parameters(), lr=lr, weight_decay=1e-2)
    n, per_image = data.embeddings.shape[:2]
    unet.train()
    for step in range(steps):
        for group in optimiser.param_groups:
            group["lr"] = cosine_lr(step, steps, lr, warmup=100)
        index = torch.randint(0, n, (batch,), generator=gen)
        which = torch.randint(0, per_image, (batch,), generator=gen)
        text = data.embeddings[index, which].float()
        drop = torch.rand(batch, generator=gen) < uncond_rate
        text[drop] = data.empty.float()
        x0 = data.latents[index]
        noise = torch.randn(x0.shape, generator=gen)
        noise += offset_noise * torch.randn((*x0.shape[:2], 1, 1), generator=gen)
        t = torch.randint(0, scheduler.config.num_train_timesteps, (batch,), generator=gen)
        noisy = scheduler.add_noise(x0, noise, t)
        pred = unet(noisy, t, text).sample
        per_sample = (pred - noise).pow(2).mean(dim=(1, 2, 3))
        loss = (per_sample * min_snr_weights(scheduler, t)).mean()
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(unet.parameters(), 1.0)
        optimiser.step()
        decay = min(ema_decay, (1 + step) / (10 + step))
        with torch.no_grad():
            for e, p in zip(ema.parameters(), unet.parameters(), strict=True):
                e.lerp_(p, 1 - decay)
        if step % 100 == 0 or step == steps - 1:
            log(f"unet step {step}/{steps} loss {loss.item():.4f}")
    unet.eval()
    return ema
