"""The training script runs end to end on its tiny configuration and writes loadable models."""

from __future__ import annotations

import json

import pytest
import torch
from diffusers import AutoPipelineForInpainting, StableDiffusionPipeline

from safety.symbol_detector import SymbolDetector
from training.train import CONFIGS, main
from training.world import IMAGE_SIZE

pytestmark = pytest.mark.integration


def same(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    return all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))


def test_tiny_training_run_writes_a_pipeline_and_a_detector(tmp_path, capsys):
    out, detector_out = tmp_path / "model", tmp_path / "detector"
    main(["--config", "tiny", "--out", str(out), "--detector-out", str(detector_out)])

    index = json.loads((out / "model_index.json").read_text())
    assert index["safety_checker"] == [None, None]
    assert index["requires_safety_checker"] is False
    assert not list(out.rglob("*.bin"))

    pipe = StableDiffusionPipeline.from_pretrained(out)
    image = pipe(
        "a red circle",
        num_inference_steps=2,
        generator=torch.Generator().manual_seed(0),
    ).images[0]
    assert image.size == (IMAGE_SIZE, IMAGE_SIZE)
    inpaint = AutoPipelineForInpainting.from_pipe(pipe)
    assert type(inpaint).__name__ == "StableDiffusionInpaintPipeline"

    detector = SymbolDetector.load(detector_out)
    assert 0.0 <= detector.scores([image])[0] <= 1.0

    # The decoder alone, sharpened in the saved pipeline: the latent space stays.
    before = StableDiffusionPipeline.from_pretrained(out).vae
    main(["--config", "tiny", "--only", "decoder", "--out", str(out)])
    after = StableDiffusionPipeline.from_pretrained(out).vae
    assert same(before.encoder, after.encoder) and not same(before.decoder, after.decoder)

    # The detector alone, retrained for the saved pipeline; the second run reuses its images.
    retrained, work = tmp_path / "retrained", tmp_path / "work"
    again = ["--config", "tiny", "--only", "detector", "--out", str(out), "--work-dir", str(work)]
    main([*again, "--detector-out", str(retrained)])
    assert list(work.glob("detector_images_*.pt"))
    capsys.readouterr()
    main([*again, "--detector-out", str(retrained)])
    log = capsys.readouterr().out
    assert "detector: reusing" in log and "unet:" not in log and "sharpening" not in log
    assert 0.0 <= SymbolDetector.load(retrained).scores([image])[0] <= 1.0


def test_tiny_config_is_a_shrunk_copy_of_the_full_one():
    tiny, full = CONFIGS["tiny"], CONFIGS["full"]
    assert tiny.seed == full.seed
    assert tiny.unet_steps < full.unet_steps and tiny.scenes < full.scenes
