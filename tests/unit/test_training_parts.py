"""Model-free parts of the training script: the autoencoder, its colour anchor, detector data."""

from __future__ import annotations

import random

import torch
from PIL import Image

from training.architecture import (
    LATENT_CHANNELS,
    VAE_SCALE_FACTOR,
    build_training_scheduler,
    build_unet,
    build_vae,
)
from training.autoencoder import (
    colour_anchor,
    edge_loss,
    paired_crops,
    sharpen_decoder,
    to_tensor,
)
from training.detector import INPUT_SIZE, make_examples, train_detector
from training.diffusion import TrainingSet, train_unet
from training.world import PALETTE


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


def test_paired_crops_cut_the_pixels_each_latent_window_decodes_to():
    pixels = torch.arange(2 * 3 * 64 * 64, dtype=torch.float32).reshape(2, 3, 64, 64)
    latents = pixels[:, :, ::VAE_SCALE_FACTOR, ::VAE_SCALE_FACTOR]  # cell corners
    z, x = paired_crops(latents, pixels, 6, 3, torch.Generator().manual_seed(0))
    assert z.shape == (6, 3, 3, 3) and x.shape == (6, 3, 3 * VAE_SCALE_FACTOR, 3 * VAE_SCALE_FACTOR)
    assert torch.equal(x[:, :, ::VAE_SCALE_FACTOR, ::VAE_SCALE_FACTOR], z)


def test_edge_loss_sees_a_blurred_edge_but_not_a_colour_shift():
    sharp = torch.zeros(1, 3, 8, 8)
    sharp[..., 4:] = 1.0
    blurred = sharp.clone()
    blurred[..., 3:5] = 0.5
    assert edge_loss(sharp, sharp + 0.25) == 0
    assert edge_loss(blurred, sharp) > 0


def test_sharpening_trains_the_decoder_and_leaves_the_encoder_alone():
    vae = build_vae()
    encoder = {k: v.clone() for k, v in vae.encoder.state_dict().items()}
    decoder = {k: v.clone() for k, v in vae.decoder.state_dict().items()}
    rng = random.Random(0)
    pool = to_tensor(
        [Image.new("RGB", (32, 32), PALETTE[rng.choice(list(PALETTE))]) for _ in range(4)]
    )
    sharpen_decoder(vae, pool, steps=2, batch=2, crop=2, lr=1e-3, seed=0, log=lambda _: None)
    assert all(torch.equal(v, vae.encoder.state_dict()[k]) for k, v in encoder.items())
    assert any(not torch.equal(v, vae.decoder.state_dict()[k]) for k, v in decoder.items())


def test_generated_images_join_the_detector_data_with_their_labels():
    benign = [(Image.new("RGB", (256, 256), (40, 80, 220)), 0.0) for _ in range(5)]
    symbols = [(Image.new("RGB", (256, 256), (220, 40, 40)), 1.0) for _ in range(3)]
    x, y, drawn = make_examples(6, random.Random(0), None, benign + symbols)
    assert x.shape == (14, 3, INPUT_SIZE, INPUT_SIZE)
    flat = x.flatten(2).std(dim=2).amax(dim=1) == 0
    blue, red = flat & (x[:, 2, 0, 0] > 0), flat & (x[:, 0, 0, 0] > 0)
    assert blue.sum() == 5 and (y[blue] == 0).all()
    assert red.sum() == 3 and (y[red] == 1).all()
    assert torch.equal(drawn, blue | red)
    x_again, y_again, _ = make_examples(6, random.Random(0), None, benign + symbols)
    assert torch.equal(x, x_again) and torch.equal(y, y_again)


def test_detector_threshold_is_set_on_generated_benign_images_only(tmp_path):
    benign = [(Image.new("RGB", (64, 64), (40, 80, 220)), 0.0) for _ in range(20)]
    logged: list[str] = []
    train_detector(tmp_path, 40, 2, 4, seed=0, generated=benign, log=logged.append)
    # The same rows as train_detector draws; its validation fifth holds 12 of the 60.
    _, y, drawn = make_examples(40, random.Random(1), None, benign)
    validation_benign = y[:12] == 0
    generated, all_benign = (
        int((validation_benign & drawn[:12]).sum()),
        int(validation_benign.sum()),
    )
    assert 0 < generated < all_benign  # rendered ones are there too, and must not count
    assert any(f"({generated} benign validation images)" in m for m in logged)


def test_unet_training_hands_over_snapshots_of_the_averaged_weights():
    data = TrainingSet(
        latents=torch.randn(6, LATENT_CHANNELS, 32, 32),
        embeddings=torch.randn(6, 2, 77, 384).half(),
        empty=torch.zeros(77, 384).half(),
    )
    assert data.first(4).latents.shape[0] == 4 and data.first(4).embeddings.shape[1] == 2
    unet, snapshots = build_unet(), []
    ema = train_unet(
        unet,
        build_training_scheduler(),
        data.first(4),
        steps=4,
        batch=2,
        lr=1e-3,
        seed=0,
        log=lambda _: None,
        snapshot=lambda weights: snapshots.append([p.clone() for p in weights.parameters()]),
        snapshot_every=2,
        schedule_steps=100,
    )
    assert len(snapshots) == 2
    assert any(not torch.equal(a, b) for a, b in zip(*snapshots, strict=True))
    assert all(torch.equal(a, b) for a, b in zip(snapshots[-1], ema.parameters(), strict=True))


def test_unet_trains_under_bfloat16_autocast_and_keeps_float32_weights():
    """Autocast is for the forward pass only: what is averaged and saved stays float32."""
    data = TrainingSet(
        latents=torch.randn(4, LATENT_CHANNELS, 32, 32),
        embeddings=torch.randn(4, 1, 77, 384).half(),
        empty=torch.zeros(77, 384).half(),
    )
    unet = build_unet()
    before = [p.clone() for p in unet.parameters()]
    ema = train_unet(
        unet,
        build_training_scheduler(),
        data,
        steps=2,
        batch=2,
        lr=1e-3,
        seed=0,
        log=lambda _: None,
        autocast=torch.bfloat16,
    )
    assert {p.dtype for p in (*unet.parameters(), *ema.parameters())} == {torch.float32}
    assert any(not torch.equal(a, b) for a, b in zip(before, unet.parameters(), strict=True))
