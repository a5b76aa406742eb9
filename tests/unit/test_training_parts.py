"""Model-free parts of the training script: the autoencoder, its colour anchor, detector data."""

from __future__ import annotations

import random

import torch
from PIL import Image

from training.architecture import LATENT_CHANNELS, VAE_SCALE_FACTOR, build_vae
from training.autoencoder import colour_anchor, to_tensor
from training.detector import INPUT_SIZE, make_examples


def test_autoencoder_has_no_normalisation_layers_and_shrinks_by_the_scale_factor():
    vae = build_vae()
    norms = (torch.nn.GroupNorm, torch.nn.BatchNorm2d, torch.nn.LayerNorm)
    assert not [m for m in vae.modules() if isinstance(m, norms)]
    with torch.no_grad():
        latents = vae.encode(torch.zeros(1, 3, 64, 64)).latents
    assert latents.shape == (1, LATENT_CHANNELS, 64 // VAE_SCALE_FACTOR, 64 // VAE_SCALE_FACTOR)
    assert 2 ** (len(vae.config.block_out_channels) - 1) == VAE_SCALE_FACTOR


def test_colour_anchor_is_each_cells_mean_colour():
    left = Image.new("RGB", (16, 16), (255, 0, 0))
    left.paste((0, 0, 255), (8, 0, 16, 16))
    anchor = colour_anchor(to_tensor([left]))
    assert anchor.shape == (1, 3, 2, 2)
    assert torch.allclose(anchor[0, :, :, 0].T, torch.tensor([[1.0, -1.0, -1.0]] * 2))
    assert torch.allclose(anchor[0, :, :, 1].T, torch.tensor([[-1.0, -1.0, 1.0]] * 2))


def test_generated_benign_images_join_the_detector_data_as_negatives():
    generated = [Image.new("RGB", (256, 256), (40, 80, 220)) for _ in range(5)]
    x, y = make_examples(6, random.Random(0), None, generated)
    assert x.shape == (11, 3, INPUT_SIZE, INPUT_SIZE)
    flat_blue = (x.flatten(2).std(dim=2).amax(dim=1) == 0).nonzero().flatten()
    assert len(flat_blue) == 5 and (y[flat_blue] == 0).all()
    x_again, y_again = make_examples(6, random.Random(0), None, generated)
    assert torch.equal(x, x_again) and torch.equal(y, y_again)
