"""The training script runs end to end on its tiny configuration and writes loadable models."""

from __future__ import annotations

import copy
import json
from dataclasses import replace

import pytest
import torch
from diffusers import AutoPipelineForInpainting, StableDiffusionPipeline, UNet2DConditionModel

from benchmarks.shapes_quality import MODEL_DIR
from generation.edit_examples import read_edit_examples
from generation.model_card import read_model_card
from safety.symbol_detector import SymbolDetector
from training.architecture import (
    CARD,
    LATENT_CHANNELS,
    build_training_scheduler,
    build_unet,
)
from training.diffusion import TrainingSet, train_unet
from training.example_images import EDIT_EXAMPLES
from training.train import CONFIGS, main
from training.world import IMAGE_SIZE

pytestmark = pytest.mark.integration


def same(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    return all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))


def distance(a: torch.nn.Module, b: torch.nn.Module) -> float:
    """Euclidean distance between two models' weights."""
    pairs = zip(a.parameters(), b.parameters(), strict=True)
    with torch.no_grad():
        return sum(float((p.float() - q.float()).pow(2).sum()) for p, q in pairs) ** 0.5


def test_tiny_training_run_writes_a_pipeline_and_a_detector(tmp_path, capsys):
    out, detector_out, work = tmp_path / "model", tmp_path / "detector", tmp_path / "work"
    run = ["--config", "tiny", "--work-dir", str(work), "--detector-out", str(detector_out)]
    main([*run, "--out", str(out)])

    index = json.loads((out / "model_index.json").read_text())
    assert index["safety_checker"] == [None, None]
    assert index["requires_safety_checker"] is False
    assert not list(out.rglob("*.bin"))
    assert read_model_card(out) == CARD  # the app's summary and examples for this model
    edits = read_edit_examples(out)  # and its example edits, pictures included
    assert len(edits.image_to_image) == len(EDIT_EXAMPLES.image_to_image) > 0
    assert len(edits.inpaint) == len(EDIT_EXAMPLES.inpaint) > 0

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

    # The refinement cycle starts from the first cycle's weights, which the work folder
    # keeps, so a rerun redoes only the refinement (and the detector).
    first_cycle = UNet2DConditionModel.from_pretrained(work / "unet")
    assert not same(first_cycle.half(), pipe.unet.half())  # the bundle is saved in float16
    capsys.readouterr()
    main([*run, "--out", str(tmp_path / "rerun")])
    log = capsys.readouterr().out
    for reused in ("vae: reusing", "cache: reusing", "unet: reusing", "detector: reusing"):
        assert reused in log
    assert "unet: refining" in log and "vae: training" not in log

    # The UNet alone (as on a GPU): text encoder and autoencoder come from a saved pipeline,
    # the detector is left alone, and the run follows the chosen training grammar.
    unet_only = tmp_path / "unet-only"
    capsys.readouterr()
    main(
        [
            *("--config", "tiny", "--only", "generator", "--caption-wording", "wide"),
            *("--components-from", str(out), "--out", str(unet_only), "--workers", "2"),
            *("--detector-out", str(tmp_path / "no-detector")),
        ]
    )
    log = capsys.readouterr().out
    assert "'caption_wording': 'wide'" in log and "shrinking" not in log
    assert not (tmp_path / "no-detector").exists()
    other = StableDiffusionPipeline.from_pretrained(unet_only)
    assert same(other.vae, pipe.vae) and same(other.text_encoder, pipe.text_encoder)
    assert not same(other.unet, pipe.unet)

    # A further cycle continues a saved UNet rather than starting from the seed's init.
    continued = tmp_path / "continued"
    capsys.readouterr()
    main(
        [
            *("--config", "tiny", "--only", "generator", "--unet-from", str(MODEL_DIR)),
            *("--components-from", str(out), "--out", str(continued)),
        ]
    )
    assert "unet: continuing from" in capsys.readouterr().out
    bundled = UNet2DConditionModel.from_pretrained(MODEL_DIR / "unet").float()
    trained = StableDiffusionPipeline.from_pretrained(continued).unet
    assert distance(trained, bundled) < distance(other.unet, bundled) / 10

    # The decoder alone, sharpened in the saved pipeline: the latent space stays.
    before = StableDiffusionPipeline.from_pretrained(out).vae
    main(["--config", "tiny", "--only", "decoder", "--out", str(out)])
    after = StableDiffusionPipeline.from_pretrained(out).vae
    assert same(before.encoder, after.encoder) and not same(before.decoder, after.decoder)

    # The detector alone, retrained for the saved pipeline; the second run reuses its images.
    retrained, work = tmp_path / "retrained", tmp_path / "detector-work"
    again = ["--config", "tiny", "--only", "detector", "--out", str(out), "--work-dir", str(work)]
    main([*again, "--detector-out", str(retrained)])
    assert list(work.glob("detector_images_*.pt"))
    capsys.readouterr()
    main([*again, "--detector-out", str(retrained)])
    log = capsys.readouterr().out
    assert "detector: reusing" in log and "unet:" not in log and "sharpening" not in log
    assert 0.0 <= SymbolDetector.load(retrained).scores([image])[0] <= 1.0


def test_compiled_training_trains_the_same_unet():
    """`--compile` is for speed only: the same losses and, up to rounding in fused
    kernels, the same weights as training without it. A small UNet keeps compiling short."""
    data = TrainingSet(
        latents=torch.randn(4, LATENT_CHANNELS, 32, 32, generator=torch.Generator().manual_seed(1)),
        embeddings=torch.randn(4, 1, 77, 384, generator=torch.Generator().manual_seed(2)).half(),
        empty=torch.zeros(77, 384).half(),
    )
    torch.manual_seed(0)
    start = build_unet((8, 16))
    trained, logs = {}, {}
    torch._dynamo.reset()
    for compiled in (False, True):
        unet, logs[compiled] = copy.deepcopy(start), []
        train_unet(
            unet,
            build_training_scheduler(),
            data,
            steps=20,
            batch=2,
            lr=1e-3,
            seed=0,
            log=logs[compiled].append,
            compiled=compiled,
        )
        trained[compiled] = unet
        if not compiled:
            assert torch._dynamo.utils.counters["stats"]["unique_graphs"] == 0
    assert torch._dynamo.utils.counters["stats"]["unique_graphs"] >= 1  # it did compile
    assert logs[True] == logs[False]  # losses printed to 4 decimals, first and last step
    moved = distance(trained[False], start)
    assert moved > 0 and distance(trained[True], trained[False]) < 0.05 * moved


def test_gpu_config_refines_on_scenes_it_caches():
    gpu = CONFIGS["gpu"]
    assert 0 < gpu.unet_refine_scenes <= gpu.scenes
    assert gpu.unet_steps <= gpu.unet_schedule_steps
    assert gpu.caption_wording == "wide" and CONFIGS["full"].caption_wording == "train"


def test_continued_gpu_config_teaches_colourless_captions_on_new_scenes():
    gpu, continued = CONFIGS["gpu"], CONFIGS["gpu-continued"]
    assert continued.seed != gpu.seed  # other scenes than the first two cycles saw
    assert 0 < continued.colourless_caption_rate < 0.5 and gpu.colourless_caption_rate == 0
    assert continued.unet_steps <= continued.unet_schedule_steps
    assert continued.unet_refine_steps == 0


def test_later_gpu_cycles_train_on_new_scenes_that_often_name_no_background():
    cycles = [
        CONFIGS[name] for name in ("gpu", "gpu-continued", "gpu-continued-2", "gpu-continued-3")
    ]
    assert len({cycle.seed for cycle in cycles}) == len(cycles)
    fourth, fifth = cycles[2:]
    assert fourth.background_caption_rate < CONFIGS["gpu-continued"].background_caption_rate
    assert fifth == replace(fourth, seed=fifth.seed, unet_steps=fifth.unet_steps)


def test_tiny_config_is_a_shrunk_copy_of_the_full_one():
    tiny, full = CONFIGS["tiny"], CONFIGS["full"]
    assert tiny.seed == full.seed
    assert tiny.unet_steps < full.unet_steps and tiny.scenes < full.scenes
    assert 0 < tiny.unet_refine_steps < full.unet_refine_steps
