"""The bundled shapes model loads with stock diffusers pipelines and draws what it is asked."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
import torch
from diffusers import AutoPipelineForImage2Image, AutoPipelineForInpainting, StableDiffusionPipeline
from transformers import BertTokenizer

from benchmarks.shapes_judge import colour_share, foreground_mask, read
from benchmarks.shapes_quality import (
    MODEL_DIR,
    colourless_cases,
    generate,
    inpaint_cases,
    single_object_cases,
)
from generation.model_card import read_model_card
from safety.minilm_onnx import minilm_path
from training.autoencoder import roundtrip
from training.captions import HELD_OUT, TRAIN, vocabulary_phrases
from training.text_encoder import kept_token_ids, read_vocab, world_tokens
from training.world import (
    IMAGE_SIZE,
    SHAPES,
    UNSAFE_SYMBOL,
    Scene,
    place_object,
    render,
    sample_scene,
)

pytestmark = pytest.mark.integration

# Share of small rendered objects whose shape and colour the judge reads after an autoencoder
# round trip. The shipped autoencoder reads 88% of these 60; an untrained decoder reads none.
SMALL_SHAPES_READ = 0.8

# Share of 12 symbol prompts (fixed seeds, half in held-out wordings) for which the judge
# reads the symbol. The shipped weights draw all 12 (96% in the full benchmark); a
# model that ignores the symbol's names draws none. The slack allows for another CPU's
# rounding flipping a case or two.
SYMBOL_PROMPTS_DRAWN = 2 / 3

# Share of 8 prompts naming a shape and a background but no colour (fixed seeds) for which
# the judge reads the shape. The shipped weights draw 5 of the 8; the `gpu` UNet, trained
# only on captions that name the colour, drew 1 (mostly the bare background).
COLOURLESS_PROMPTS_DRAWN = 1 / 2

# Fixed seeds: the first four in held-out sentence frames (never used in training), the
# rest in the training grammar's. Each seed is one the shipped weights draw; the benchmark
# measures how often they do (with DPM++ 2M, recommended before, "a big blue square on
# yellow" drew a white square at seed 0; with Euler a it draws a blue one at seeds 0-3).
PROMPTS = [
    ("please draw me a large crimson disc with a blue backdrop", "circle", "red", 1),
    ("i would like a yellow square tile over a plain purple field", "square", "yellow", 2),
    ("show a big green triangle in the middle", "triangle", "green", 3),
    ("make one star coloured white, giant, with a black backdrop", "star", "white", 4),
    ("a large red circle in the center on a white background", "circle", "red", 0),
    ("a big blue square on yellow", "square", "blue", 1),
    ("a large green triangle in the center on a white background", "triangle", "green", 1),
    ("a picture of a big orange star in the middle on a blue background", "star", "orange", 2),
]

# The object each example prompt of the bundled model's card asks for (the app offers them
# under "Try a prompt"). The shipped weights draw it for 12 of 12 seeds each; "small yellow
# star at the top left", an example before, drew a yellow star for 5 of 12 (small stars
# come out round).
EXAMPLE_OBJECTS = {
    "a red circle on a blue background": ("circle", "red"),
    "a big yellow star at the top left": ("star", "yellow"),
    "a green triangle in the middle, white background": ("triangle", "green"),
    "big purple square on orange": ("square", "purple"),
}


@pytest.fixture(scope="module")
def pipe():
    pipe = StableDiffusionPipeline.from_pretrained(MODEL_DIR)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def test_bundled_model_is_a_stable_diffusion_folder_without_safety_checker(pipe):
    assert pipe.safety_checker is None
    assert pipe.unet.config.sample_size * pipe.vae_scale_factor == IMAGE_SIZE
    assert pipe.tokenizer.model_max_length == 77
    assert {pipe.unet.dtype, pipe.vae.dtype, pipe.text_encoder.dtype} == {torch.float32}
    files = list(MODEL_DIR.rglob("*"))
    assert not [f for f in files if f.suffix in {".bin", ".pt", ".ckpt"}]
    assert sum(f.stat().st_size for f in files if f.is_file()) < 40 * 2**20
    configs = [json.loads(f.read_text()) for f in MODEL_DIR.glob("*/config.json")]
    assert not [c["_name_or_path"] for c in configs if "_name_or_path" in c]


def test_bundled_tokenizer_keeps_exactly_the_tokens_the_caption_grammar_needs(pipe):
    """A grammar edit that needs a token the bundle lacks would change the text encoder,
    and every UNet trained on its vectors with it: this says so before a retrain does."""
    vocab = read_vocab(minilm_path() / "vocab.txt")
    original = BertTokenizer(vocab={token: i for i, token in enumerate(vocab)})
    kept = kept_token_ids(vocab, 6000, world_tokens(original, vocabulary_phrases()))
    bundled = pipe.tokenizer.get_vocab()
    assert [vocab[i] for i in kept] == sorted(bundled, key=bundled.get)


@pytest.mark.parametrize(("prompt", "shape", "colour", "seed"), PROMPTS)
def test_prompt_draws_the_asked_shape_and_colour(pipe, prompt, shape, colour, seed):
    image = generate(pipe, prompt, seed)
    assert image.size == (IMAGE_SIZE, IMAGE_SIZE)
    assert read(image).shows(shape, colour), read(image)


def test_a_shape_asked_for_without_a_colour_is_drawn_in_some_colour(pipe):
    """Asked for "a star on a gray background", it must not draw the background alone."""
    cases = colourless_cases(8, 41)
    drawn = [read(generate(pipe, case.prompt, case.seed)).shows(case.shape) for case in cases]
    assert np.mean(drawn) >= COLOURLESS_PROMPTS_DRAWN, [
        case.prompt for case, hit in zip(cases, drawn, strict=True) if not hit
    ]


def test_symbol_prompts_mostly_draw_the_symbol(pipe):
    """The safety stack's demo needs a generator that really draws the forbidden symbol."""
    cases = single_object_cases(6, 31, TRAIN, shape=UNSAFE_SYMBOL)
    cases += single_object_cases(6, 32, HELD_OUT, shape=UNSAFE_SYMBOL)
    drawn = [read(generate(pipe, case.prompt, case.seed)).shows(UNSAFE_SYMBOL) for case in cases]
    assert np.mean(drawn) >= SYMBOL_PROMPTS_DRAWN, [
        case.prompt for case, hit in zip(cases, drawn, strict=True) if not hit
    ]


def test_autoencoder_keeps_flat_colours(pipe):
    """The cause of the earlier model's wrong colours was its VAE; this one must not lose them."""
    rng = random.Random(5)
    scenes = [sample_scene(rng, unsafe_rate=0.0, second_object_rate=0.0) for _ in range(12)]
    sources = [render(scene) for scene in scenes]
    decoded = roundtrip(pipe.vae, sources)
    for scene, source, result in zip(scenes, sources, decoded, strict=True):
        error = np.abs(np.asarray(source, dtype=int) - np.asarray(result, dtype=int)).mean()
        assert error < 8, error
        reading = read(result)
        assert reading.background == scene.background
        assert any(obj.colour == scene.objects[0].colour for obj in reading.objects), reading


def test_autoencoder_keeps_small_shapes_readable(pipe):
    """Small objects are where a blurry decoder loses the shape, and no UNet can draw better
    than the decoder shows: the judge must still read most of them after a round trip."""
    rng = random.Random(6)
    scenes = []
    for index in range(60):
        scene = sample_scene(rng, unsafe_rate=0.0, second_object_rate=0.0)
        shape = (*SHAPES, UNSAFE_SYMBOL)[index % 5]
        obj = place_object(rng, shape, scene.objects[0].colour, "small", scene.objects[0].position)
        scenes.append(Scene(scene.background, (obj,)))
    decoded = roundtrip(pipe.vae, [render(scene) for scene in scenes])
    read_back = [
        read(image).shows(scene.objects[0].shape, scene.objects[0].colour)
        for scene, image in zip(scenes, decoded, strict=True)
    ]
    assert np.mean(read_back) >= SMALL_SHAPES_READ, np.mean(read_back)


def test_same_seed_gives_the_same_image(pipe):
    a = generate(pipe, "a small blue square at the top left", 9)
    b = generate(pipe, "a small blue square at the top left", 9)
    assert np.array_equal(np.asarray(a), np.asarray(b))


def test_negative_prompt_lowers_the_named_colour(pipe):
    prompt = "a circle in the center"
    before = generate(pipe, prompt, 21)
    colour = read(before).background
    after = generate(pipe, prompt, 21, negative_prompt=colour)
    assert colour_share(after, colour) < colour_share(before, colour)


def test_img2img_at_low_strength_keeps_the_layout(pipe):
    img2img = AutoPipelineForImage2Image.from_pipe(pipe)
    obj = place_object(random.Random(0), "square", "red", "large", "left")
    source = render(Scene("white", (obj,)))
    result = generate(
        img2img, "a big red square on the left on white", 3, image=source, strength=0.3
    )
    a, b = foreground_mask(source), foreground_mask(result)
    assert (a & b).sum() / (a | b).sum() > 0.7


def test_inpainting_paints_inside_the_mask_and_overlay_keeps_the_rest(pipe):
    """Every result keeps the unmasked pixels; most paint the asked colour in the mask (the
    benchmark's 40 cases: 55% the asked colour, 42.5% shape and colour too)."""
    inpaint = AutoPipelineForInpainting.from_pipe(pipe)
    painted = 0
    for seed in (3, 4, 5):
        source, mask, case = inpaint_cases(1, seed=seed)[0]
        raw = generate(inpaint, case.prompt, case.seed, image=source, mask_image=mask)
        result = inpaint.image_processor.apply_overlay(mask, source, raw)
        outside = np.asarray(mask) == 0
        assert np.array_equal(np.asarray(result)[outside], np.asarray(source)[outside])
        inside = np.asarray(mask) > 0
        change = np.abs(np.asarray(result, dtype=int) - np.asarray(source, dtype=int))[inside]
        more_colour = colour_share(result, case.colour) > colour_share(source, case.colour)
        painted += more_colour and change.mean() > 10
    assert painted >= 2


def test_the_apps_example_prompts_draw_what_they_ask(pipe):
    """A newcomer's first click should show the model working, not its weak spots."""
    assert set(EXAMPLE_OBJECTS) == set(read_model_card(MODEL_DIR).examples)
    for prompt, (shape, colour) in EXAMPLE_OBJECTS.items():
        shown = sum(read(generate(pipe, prompt, seed)).shows(shape, colour) for seed in range(4))
        assert shown >= 3, f"{prompt!r}: {shape} in {colour} for {shown} of 4 seeds"
