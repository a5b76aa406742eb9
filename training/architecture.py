"""The bundled model's components, shaped like Stable Diffusion's but tiny.

Same classes and folder layout as any Stable Diffusion checkpoint (UNet2DConditionModel,
an autoencoder, a text encoder and tokenizer, a scheduler), so the standard txt2img,
img2img and inpaint pipelines load it unchanged. The autoencoder is
`AutoencoderTiny` (TAESD's layout: scale factor 8, 4 latent channels), so a 256 x 256
image is a 4 x 32 x 32 latent. It has no normalisation layers: GroupNorm, as in
`AutoencoderKL`, normalises away a flat colour region's colour, and this world is
made of flat colours.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import torch
from diffusers import (
    AutoencoderTiny,
    DDPMScheduler,
    DPMSolverMultistepScheduler,
    StableDiffusionPipeline,
    UNet2DConditionModel,
)
from transformers import BertModel, BertTokenizer

from generation.defaults import SamplerDefaults, write_sampler_defaults
from generation.model_card import ModelCard, write_model_card
from training.example_images import write_example_edits
from training.world import IMAGE_SIZE, PALETTE, POSITIONS, SHAPES, SIZES

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
# Chosen on development seeds (11, 13, 17 and 19; never the benchmark's reported seed 7).
# For the shipped UNet, Euler a at guidance 4 drew shape and colour for 94.3% of 400
# held-out prompts and the symbol for 94.5% of 200; every DPM++ 2M setting tried drew
# 89.5-91.0% and 90.5-94.0% (docs/MODEL_CARD.md, "Recommended sampler").
RECOMMENDED_SAMPLER = SamplerDefaults(
    steps=20, guidance_scale=4.0, scheduler="Euler a", inpaint_mask_focus=4.0
)


def _either(words) -> str:
    """The words as a choice in prose: "a, b or c"."""
    *rest, last = list(words)
    return f"{', '.join(rest)} or {last}"


# The card the app shows (`generation/model_card.py`): the world in a sentence, so a newcomer
# knows which words mean something here. The examples are what a newcomer clicks first, so
# each is one the model draws (an integration test checks them with the judge); they show
# sizes and one named position, but no example leans on a position alone, because the model
# puts an object in the named cell only about 4 times in 10 (see docs/MODEL_CARD.md).
CARD = ModelCard(
    summary=(
        f"This small demo model draws one world: a {_either(SHAPES)}; {_either(SIZES)}; in "
        f"{_either(PALETTE)}; in one of {len(POSITIONS)} places (top left to bottom right), on "
        "a plain background of another of those colours. It follows many ways of saying these "
        '("a crimson disc on a white backdrop"). Words from outside this world, such as "navy" '
        'or "a cat", give it nothing to follow: expect a plain colour or a random shape.'
    ),
    examples=(
        "a red circle on a blue background",
        "a big yellow star at the top left",
        "a green triangle in the middle, white background",
        "big purple square on orange",
    ),
)
CARD_METADATA = {
    "license": "apache-2.0",
    "library_name": "diffusers",
    "pipeline_tag": "text-to-image",
    "tags": ["safecanvas", "synthetic-data"],
}


def build_vae() -> AutoencoderTiny:
    """A 0.5M-parameter TAESD-layout autoencoder (four blocks, scale factor 8).

    Purely convolutional and normalisation-free, so it can be trained on crops and
    still works on whole images. diffusers needs equal channel counts in the decoder
    blocks; the single block at full resolution keeps decoding cheap on a CPU.
    """
    return AutoencoderTiny(
        in_channels=3,
        out_channels=3,
        encoder_block_out_channels=(32, 32, 32, 32),
        decoder_block_out_channels=(32, 32, 32, 32),
        num_encoder_blocks=(1, 2, 2, 2),
        num_decoder_blocks=(2, 2, 2, 1),
        latent_channels=LATENT_CHANNELS,
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
    vae: AutoencoderTiny,
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
    as float32 unless told otherwise). A component loaded from a work folder would
    record that folder as `_name_or_path`; the bundle keeps no such local path. The
    sampler settings this model is best used with go beside it (`generation/defaults.py`),
    and so does its card, which the app shows (`generation/model_card.py`), and the example
    edits the app offers (`training/example_images.py`).
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
    for config_path in out_dir.glob("*/config.json"):
        config = json.loads(config_path.read_text())
        changed = config.pop("_name_or_path", None) is not None
        if config_path.parent.name == "text_encoder":
            config["dtype"] = "float32"
            changed = True
        if changed:
            config_path.write_text(json.dumps(config, indent=2) + "\n")
    write_sampler_defaults(RECOMMENDED_SAMPLER, out_dir)
    write_model_card(CARD, out_dir, CARD_METADATA)
    write_example_edits(out_dir)
