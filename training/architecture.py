"""The bundled model's components, shaped like Stable Diffusion's but tiny.

Same classes and folder layout as any Stable Diffusion checkpoint (UNet2DConditionModel,
AutoencoderKL, a text encoder and tokenizer, a scheduler), so the standard txt2img,
img2img and inpaint pipelines load it unchanged. The VAE keeps Stable Diffusion's four
blocks (scale factor 8), so a 256 x 256 image is a 4 x 32 x 32 latent.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import torch
from diffusers import (
    AutoencoderKL,
    DDPMScheduler,
    DPMSolverMultistepScheduler,
    StableDiffusionPipeline,
    UNet2DConditionModel,
)
from transformers import BertModel, BertTokenizer

from training.world import IMAGE_SIZE

LATENT_CHANNELS = 4
VAE_SCALE_FACTOR = 8
TEXT_DIM = 384  # MiniLM's hidden size
NOISE_SCHEDULE = {
    "num_train_timesteps": 1000,
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "prediction_type": "epsilon",
    "steps_offset": 1,
}


def build_vae() -> AutoencoderKL:
    """A 0.9M-parameter KL autoencoder with Stable Diffusion's four-block layout.

    No attention in the mid block: the VAE is purely convolutional, so it can be
    trained on crops and still work on whole images.
    """
    return AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        block_out_channels=(16, 32, 64, 64),
        layers_per_block=1,
        latent_channels=LATENT_CHANNELS,
        norm_num_groups=8,
        sample_size=IMAGE_SIZE,
        mid_block_add_attention=False,
    )


def build_unet(block_out_channels: tuple[int, ...] = (32, 64, 128)) -> UNet2DConditionModel:
    """A small text-conditioned UNet; cross-attention only at the two coarse levels."""
    levels = len(block_out_channels)
    return UNet2DConditionModel(
        sample_size=IMAGE_SIZE // VAE_SCALE_FACTOR,
        in_channels=LATENT_CHANNELS,
        out_channels=LATENT_CHANNELS,
        block_out_channels=block_out_channels,
        layers_per_block=1,
        down_block_types=("DownBlock2D",) + ("CrossAttnDownBlock2D",) * (levels - 1),
        up_block_types=("CrossAttnUpBlock2D",) * (levels - 1) + ("UpBlock2D",),
        cross_attention_dim=TEXT_DIM,
        attention_head_dim=4,
        norm_num_groups=8,
    )


def build_training_scheduler() -> DDPMScheduler:
    return DDPMScheduler(**NOISE_SCHEDULE)


def build_inference_scheduler() -> DPMSolverMultistepScheduler:
    """DPM-Solver++ with the training noise schedule: good images in 20 steps."""
    return DPMSolverMultistepScheduler(**NOISE_SCHEDULE)


def assemble_pipeline(
    unet: UNet2DConditionModel,
    vae: AutoencoderKL,
    text_encoder: BertModel,
    tokenizer: BertTokenizer,
) -> StableDiffusionPipeline:
    """A Stable Diffusion pipeline with no safety checker: SafeCanvas runs its own checks."""
    return StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=build_inference_scheduler(),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )


def save_pipeline(pipeline: StableDiffusionPipeline, out_dir: Path) -> None:
    """Save in diffusers format: safetensors, float16 on disk, float32 when loaded.

    Float16 halves the bundle; the text encoder's config says float32 because
    transformers otherwise loads it in the checkpoint's float16 and the pipeline
    would hand float16 embeddings to a float32 UNet (diffusers models already load
    as float32 unless told otherwise).
    """
    half = StableDiffusionPipeline(
        **{
            **pipeline.components,
            "unet": copy.deepcopy(pipeline.unet).to(torch.float16),
            "vae": copy.deepcopy(pipeline.vae).to(torch.float16),
            "text_encoder": copy.deepcopy(pipeline.text_encoder).to(torch.float16),
        },
        requires_safety_checker=False,
    )
    half.save_pretrained(out_dir, safe_serialization=True)
    config_path = out_dir / "text_encoder" / "config.json"
    config = json.loads(config_path.read_text())
    config["dtype"] = "float32"
    config_path.write_text(json.dumps(config, indent=2) + "\n")
