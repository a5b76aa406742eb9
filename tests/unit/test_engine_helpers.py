from __future__ import annotations

import numpy as np
from PIL import Image

from generation.engine import blur_mask, composite_unmasked, model_label
from generation.schedulers import SCHEDULERS, make_scheduler


def test_compositing_keeps_every_unmasked_pixel_exactly():
    rng = np.random.default_rng(0)
    original = Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8))
    generated = Image.new("RGB", (32, 32), (1, 2, 3))
    mask = Image.new("L", (32, 32), 0)
    mask.paste(255, (4, 4, 28, 28))
    result = np.asarray(composite_unmasked(generated, original, blur_mask(mask, 2)))
    unpainted = np.asarray(mask) == 0
    assert (result[unpainted] == np.asarray(original)[unpainted]).all()
    assert (result[16, 16] == (1, 2, 3)).all()


def test_a_blurred_mask_fades_inside_the_painted_area_and_nowhere_else():
    """The option "keep the unpainted area pixel-exact" means what was not painted."""
    mask = Image.new("L", (64, 64), 0)
    mask.paste(255, (16, 16, 48, 48))
    blurred = np.asarray(blur_mask(mask, 4))
    painted = np.asarray(mask) > 0
    assert (blurred[~painted] == 0).all()
    assert 0 < blurred[32, 16] < 255  # the painted edge is soft
    assert blurred[32, 32] == 255  # the middle is fully repainted
    assert blur_mask(mask, 0) is mask


def test_local_model_folders_are_named_without_their_path(tmp_path):
    folder = tmp_path / "my-model"
    folder.mkdir()
    assert model_label(str(folder)) == "my-model"
    assert model_label("org/model") == "org/model"


def test_every_listed_sampler_builds_from_a_stable_diffusion_config():
    config = {"num_train_timesteps": 1000, "beta_schedule": "scaled_linear"}
    for name in SCHEDULERS:
        assert make_scheduler(name, config).config.num_train_timesteps == 1000
    assert {"Euler a", "DPM++ 2M", "DDIM"} <= set(SCHEDULERS)
