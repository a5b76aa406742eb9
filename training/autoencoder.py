"""Train the VAE on crops of rendered scenes.

The VAE is purely convolutional, so 64 x 64 crops teach it the same edges and flat
colours as whole 256 x 256 images at a sixteenth of the cost, which is what makes
it trainable on a laptop CPU.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from diffusers import AutoencoderKL
from PIL import Image


def to_tensor(images: list[Image.Image]) -> torch.Tensor:
    """PIL RGB images -> float tensor in [-1, 1], shape (N, 3, H, W)."""
    array = np.stack([np.asarray(image, dtype=np.float32) for image in images])
    return torch.from_numpy(array).permute(0, 3, 1, 2) / 127.5 - 1.0


def random_crops(pool: torch.Tensor, count: int, crop: int, gen: torch.Generator) -> torch.Tensor:
    """`count` random `crop` x `crop` windows from a pool of images, aligned to the latent grid."""
    n, _, h, w = pool.shape
    index = torch.randint(0, n, (count,), generator=gen)
    ys = torch.randint(0, (h - crop) // 8 + 1, (count,), generator=gen) * 8
    xs = torch.randint(0, (w - crop) // 8 + 1, (count,), generator=gen) * 8
    return torch.stack(
        [pool[i, :, y : y + crop, x : x + crop] for i, y, x in zip(index, ys, xs, strict=True)]
    )


def cosine_lr(step: int, total: int, base: float, warmup: int = 50) -> float:
    if step < warmup:
        return base * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return base * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def train_vae(
    vae: AutoencoderKL,
    pool: torch.Tensor,
    steps: int,
    batch: int,
    crop: int,
    lr: float,
    seed: int,
    kl_weight: float = 1e-6,
    log: Callable[[str], None] = print,
) -> None:
    """Reconstruction (L1 + MSE) with a tiny KL term, like Stable Diffusion's VAE minus the GAN."""
    gen = torch.Generator().manual_seed(seed)
    optimiser = torch.optim.AdamW(vae.parameters(), lr=lr, weight_decay=0.0)
    vae.train()
    for step in range(steps):
        for group in optimiser.param_groups:
            group["lr"] = cosine_lr(step, steps, lr)
        x = random_crops(pool, batch, crop, gen)
        posterior = vae.encode(x).latent_dist
        z = posterior.mean + posterior.std * torch.randn(posterior.mean.shape, generator=gen)
        recon = vae.decode(z).sample
        loss = (recon - x).abs().mean() + (recon - x).pow(2).mean()
        loss = loss + kl_weight * posterior.kl().mean()
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        if step % 100 == 0 or step == steps - 1:
            log(f"vae step {step}/{steps} loss {loss.item():.4f}")
    vae.eval()


@torch.no_grad()
def latent_scaling_factor(vae: AutoencoderKL, pool: torch.Tensor) -> float:
    """1 / std of the latents, so the diffusion model sees unit-variance inputs (as SD does)."""
    means = torch.cat([vae.encode(chunk).latent_dist.mean for chunk in pool.split(16)])
    return float(1.0 / means.std())


def to_images(tensor: torch.Tensor) -> list[Image.Image]:
    """Float tensor in [-1, 1], shape (N, 3, H, W) -> PIL RGB images."""
    array = ((tensor.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1)
    return [Image.fromarray(a) for a in array.numpy()]


@torch.no_grad()
def roundtrip(vae: AutoencoderKL, images: list[Image.Image]) -> list[Image.Image]:
    """Encode and decode: what the VAE does to an image, as a generated image looks."""
    return to_images(vae.decode(vae.encode(to_tensor(images)).latent_dist.mean).sample)
