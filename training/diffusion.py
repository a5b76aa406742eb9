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
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from multiprocessing import get_context

import torch
from diffusers import StableDiffusionPipeline, UNet2DConditionModel

from training.architecture import TEXT_DIM
from training.autoencoder import cosine_lr, to_tensor
from training.captions import BACKGROUND_RATE, TRAIN, Wording, caption, partial_caption
from training.text_encoder import MAX_LENGTH
from training.world import Scene, render


@dataclass
class TrainingSet:
    """Scaled latents (N, 4, 32, 32) and, per image, `captions_per_image` embeddings."""

    latents: torch.Tensor
    embeddings: torch.Tensor  # (N, captions_per_image, 77, 384), float16
    empty: torch.Tensor  # the "" embedding used for classifier-free guidance, (77, 384)

    def first(self, count: int) -> TrainingSet:
        """The first `count` scenes, with all their captions."""
        return TrainingSet(self.latents[:count], self.embeddings[:count], self.empty)


def captions_for(
    scene: Scene,
    rng: random.Random,
    count: int,
    partial_rate: float,
    wording: Wording = TRAIN,
    colourless: float = 0.0,
    background_rate: float = BACKGROUND_RATE,
) -> list[str]:
    """`count` captions for one scene; some name a single attribute, like a negative prompt,
    and with `colourless` some describe an object without its colour. `background_rate` is each
    full caption's chance of naming the background."""
    return [
        partial_caption(scene, rng, wording)
        if rng.random() < partial_rate
        else caption(scene, rng, wording, colourless, background_rate)
        for _ in range(count)
    ]


@torch.no_grad()
def embed(pipeline: StableDiffusionPipeline, prompts: list[str]) -> torch.Tensor:
    embeds, _ = pipeline.encode_prompt(
        prompts, device=pipeline.device, num_images_per_prompt=1, do_classifier_free_guidance=False
    )
    return embeds


def render_pixels(scenes: list[Scene]) -> torch.Tensor:
    return to_tensor([render(scene) for scene in scenes])


@torch.no_grad()
def build_training_set(
    pipeline: StableDiffusionPipeline,
    scenes: list[Scene],
    seed: int,
    captions_per_image: int,
    partial_rate: float,
    wording: Wording = TRAIN,
    colourless: float = 0.0,
    background_rate: float = BACKGROUND_RATE,
    chunk: int = 64,
    workers: int = 1,
    log: Callable[[str], None] = print,
) -> TrainingSet:
    """Render, encode and caption every scene, on the pipeline's device.

    With `workers` > 1, scenes are rendered in that many processes (drawing is the
    slow part when the encoders run on a GPU); the result is the same either way.
    """
    rng = random.Random(seed)
    scale = pipeline.vae.config.scaling_factor
    chunks = [scenes[start : start + chunk] for start in range(0, len(scenes), chunk)]
    latents, embeddings = [], []
    pool = ProcessPoolExecutor(workers, mp_context=get_context("spawn")) if workers > 1 else None
    with pool or nullcontext():
        rendered = pool.map(render_pixels, chunks) if pool else map(render_pixels, chunks)
        for index, (batch, pixels) in enumerate(zip(chunks, rendered, strict=True)):
            latents.append(pipeline.vae.encode(pixels.to(pipeline.device)).latents * scale)
            prompts = [
                p
                for scene in batch
                for p in captions_for(
                    scene,
                    rng,
                    captions_per_image,
                    partial_rate,
                    wording,
                    colourless,
                    background_rate,
                )
            ]
            embeddings.append(
                embed(pipeline, prompts)
                .to(torch.float16)
                .view(len(batch), captions_per_image, MAX_LENGTH, TEXT_DIM)
            )
            if index % 20 == 0:
                log(f"cached {index * chunk + len(batch)}/{len(scenes)} scenes")
    return TrainingSet(
        latents=torch.cat(latents),
        embeddings=torch.cat(embeddings),
        empty=embed(pipeline, [""])[0].to(torch.float16),
    )


def min_snr_weights(scheduler, timesteps: torch.Tensor, gamma: float = 5.0) -> torch.Tensor:
    """Min-SNR-gamma loss weights (Hang et al., 2023): faster convergence for epsilon models."""
    alphas = scheduler.alphas_cumprod.to(timesteps.device)[timesteps]
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
    snapshot: Callable[[UNet2DConditionModel], None] | None = None,
    snapshot_every: int = 200,
    schedule_steps: int | None = None,
    autocast: torch.dtype | None = None,
    compiled: bool = False,
) -> UNet2DConditionModel:
    """Denoising training on cached data; returns the EMA copy of the weights.

    Training runs on the data's device. `snapshot`, if given, receives the EMA weights
    every `snapshot_every` steps, so an interrupted run still leaves a usable model.
    `schedule_steps` (default `steps`) is the length the cosine learning rate is laid
    out over; a run stopped before its end sets `steps` to where it stopped. `autocast`
    (bfloat16 on a GPU) runs the forward pass in that precision; weights, optimiser and
    EMA stay float32. `compiled` runs the UNet through `torch.compile`: the same
    arithmetic in fused kernels, after a minute or two of compiling. This UNet is small
    enough that a step is likely bound by the launches and memory traffic of many small
    kernels, which fusing is for (1.2 TFLOP a step at batch 384 took 88 ms on an H200, a
    few percent of its peak); on 2 CPU cores a step gains about 10%.

    `offset_noise` adds a random constant per image and channel to the noise. Without
    it the noise schedule never quite reaches pure noise: at the last timestep each
    image's mean colour still shows through (averaged over a 32 x 32 latent, the noise
    hides it less than the signal), so the UNet learns to read colour from its input
    instead of the prompt, and at inference the colour follows the seed. In a world
    of flat colours that is most of the picture (Lin et al., 2023; Guttenberg, 2023).
    """
    device = data.latents.device
    gen = torch.Generator(device).manual_seed(seed)
    ema = copy.deepcopy(unet).eval().requires_grad_(False)
    optimiser = torch.optim.AdamW(
        unet.parameters(), lr=lr, weight_decay=1e-2, fused=device.type == "cuda"
    )
    n, per_image = data.embeddings.shape[:2]
    empty = data.empty.float()
    unet.train()
    forward = torch.compile(unet) if compiled else unet  # shares the weights with `unet`
    for step in range(steps):
        for group in optimiser.param_groups:
            group["lr"] = cosine_lr(step, schedule_steps or steps, lr, warmup=100)
        index = torch.randint(0, n, (batch,), generator=gen, device=device)
        which = torch.randint(0, per_image, (batch,), generator=gen, device=device)
        text = data.embeddings[index, which].float()
        drop = torch.rand(batch, generator=gen, device=device) < uncond_rate
        text = torch.where(drop[:, None, None], empty, text)
        x0 = data.latents[index]
        noise = torch.randn(x0.shape, generator=gen, device=device)
        noise += offset_noise * torch.randn((*x0.shape[:2], 1, 1), generator=gen, device=device)
        t = torch.randint(
            0, scheduler.config.num_train_timesteps, (batch,), generator=gen, device=device
        )
        noisy = scheduler.add_noise(x0, noise, t)
        with torch.autocast(device.type, dtype=autocast, enabled=autocast is not None):
            pred = forward(noisy, t, text).sample
        per_sample = (pred.float() - noise).pow(2).mean(dim=(1, 2, 3))
        loss = (per_sample * min_snr_weights(scheduler, t)).mean()
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(unet.parameters(), 1.0)
        optimiser.step()
        decay = min(ema_decay, (1 + step) / (10 + step))
        with torch.no_grad():
            torch._foreach_lerp_(list(ema.parameters()), list(unet.parameters()), 1 - decay)
        if step % 100 == 0 or step == steps - 1:
            log(f"unet step {step}/{steps} loss {loss.item():.4f}")
        if snapshot and (step + 1) % snapshot_every == 0:
            snapshot(ema)
    unet.eval()
    return ema
