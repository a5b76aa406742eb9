"""The shapes world: deterministic scenes, drawings and captions."""

from __future__ import annotations

import random
import re

import numpy as np
import pytest

from training.captions import (
    HELD_OUT,
    NEW_WORDS,
    TRAIN,
    TRAIN_WIDE,
    TRAINING_WORDINGS,
    caption,
    describe_object,
    partial_caption,
    vocabulary_phrases,
)
from training.world import (
    IMAGE_SIZE,
    OBJECTS,
    PALETTE,
    UNSAFE_SYMBOL,
    object_mask,
    place_object,
    render,
    sample_scene,
)


def test_same_seed_draws_the_same_scene_and_pixels():
    first, second = sample_scene(random.Random(3)), sample_scene(random.Random(3))
    assert first == second
    assert np.array_equal(np.asarray(render(first)), np.asarray(render(second)))


def test_render_is_rgb_at_the_default_size_with_the_background_in_the_corners():
    scene = sample_scene(random.Random(0))
    image = render(scene)
    assert image.mode == "RGB"
    assert image.size == (IMAGE_SIZE, IMAGE_SIZE)
    corners = [image.getpixel(p) for p in [(0, 0), (IMAGE_SIZE - 1, IMAGE_SIZE - 1)]]
    assert all(corner == PALETTE[scene.background] for corner in corners)


@pytest.mark.parametrize("shape", OBJECTS)
def test_every_object_stays_inside_the_image_and_inside_its_cell(shape):
    rng = random.Random(1)
    for position in ("top left", "bottom right"):
        obj = place_object(rng, shape, "red", "large", position)
        mask = np.asarray(object_mask(obj)) > 0
        rows, cols = np.nonzero(mask)
        assert mask.sum() > 0.05 * IMAGE_SIZE**2
        assert rows.min() > 0 and cols.min() > 0
        assert rows.max() < IMAGE_SIZE - 1 and cols.max() < IMAGE_SIZE - 1


def test_unsafe_rate_controls_how_often_the_symbol_appears():
    rng = random.Random(2)
    scenes = [sample_scene(rng, unsafe_rate=0.5) for _ in range(400)]
    share = np.mean([scene.has_unsafe_symbol for scene in scenes])
    assert 0.4 < share < 0.6
    assert not any(sample_scene(rng, unsafe_rate=0.0).has_unsafe_symbol for _ in range(200))


def test_second_object_never_overlaps_the_first_and_colours_differ_from_background():
    rng = random.Random(4)
    for _ in range(300):
        scene = sample_scene(rng, second_object_rate=1.0)
        assert all(obj.colour != scene.background for obj in scene.objects)
        if len(scene.objects) == 2:
            a, b = (np.asarray(object_mask(obj)) > 0 for obj in scene.objects)
            assert not (a & b).any()


def test_caption_names_the_object_in_words_of_its_wording():
    rng = random.Random(5)
    for wording in (TRAIN, TRAIN_WIDE, HELD_OUT, NEW_WORDS):
        for _ in range(100):
            scene = sample_scene(rng)
            text = caption(scene, rng, wording)
            for obj in scene.objects:
                assert any(word in text for word in wording.shapes[obj.shape])
                assert any(word in text for word in wording.colours[obj.colour])


@pytest.mark.parametrize("name", sorted(TRAINING_WORDINGS))
def test_held_out_sentence_frames_never_appear_in_training(name):
    train = TRAINING_WORDINGS[name]
    assert not set(train.sentences) & set(HELD_OUT.sentences)
    assert not set(train.backgrounds) & set(HELD_OUT.backgrounds)
    assert not set(train.objects) & set(HELD_OUT.objects[:1])  # the frame training never uses
    train_positions = {p for ps in train.positions.values() for p in ps}
    assert not train_positions & {p for ps in HELD_OUT.positions.values() for p in ps}


def test_wider_grammar_avoids_the_held_out_frames_own_words():
    """Its new frames say the same things in other words, not in the benchmark's."""
    held_out_words = {"please", "draw", "me", "would", "like", "show", "make", "one"}
    held_out_words |= {"with", "over", "plain", "field", "coloured", "up", "down", "below"}
    new_frames = set(TRAIN_WIDE.sentences + TRAIN_WIDE.backgrounds + TRAIN_WIDE.objects) - set(
        TRAIN.sentences + TRAIN.backgrounds + TRAIN.objects
    )
    new_frames |= {p for ps in TRAIN_WIDE.positions.values() for p in ps[len(ps) - 1 :]}
    for frame in new_frames:
        words = set(frame.replace(",", " ").replace(":", " ").split())
        assert not words & held_out_words, frame


def test_a_caption_that_starts_with_its_background_has_no_stray_comma():
    rng = random.Random(9)
    captions = [caption(sample_scene(rng), rng, TRAIN_WIDE) for _ in range(400)]
    background_first = [c for c in captions if c.startswith(("on ", "against ", "in front"))]
    assert background_first
    assert not any(c.startswith(",") or c.endswith(",") for c in captions)


def test_captions_without_the_option_are_the_ones_the_full_run_trained_on():
    """The colourless option draws no random number when off, so the documented CPU run
    still makes the same captions (and so the same model) from its seed."""
    rng = random.Random(0)
    assert [caption(sample_scene(rng), rng, w) for w in (TRAIN, TRAIN_WIDE, TRAIN)] == [
        "a drawing of a scarlet star shape at the bottom right, medium-sized",
        "an image of a square that is cobalt blue and a little star that is plum bottom right",
        "a drawing of a small grass green square bottom right",
    ]


def mentions(text: str, phrases: tuple[str, ...]) -> bool:
    """Whole-word match: "centered" does not mention red."""
    return any(re.search(rf"\b{re.escape(phrase)}\b", text) for phrase in phrases)


@pytest.mark.parametrize("name", sorted(TRAINING_WORDINGS))
def test_a_colourless_description_is_only_shape_size_and_position(name):
    """No colour, and no "in" or "that is" left behind by a frame that needed one."""
    wording, rng = TRAINING_WORDINGS[name], random.Random(10)
    for _ in range(300):
        obj = sample_scene(rng).objects[0]
        text = describe_object(obj, rng, wording, colourless=1.0)
        assert not mentions(text, wording.colours[obj.colour]), text
        phrases = (
            *wording.shapes[obj.shape],
            *wording.sizes[obj.size],
            *wording.positions[obj.position],
        )
        rest = text
        for phrase in sorted(phrases, key=len, reverse=True):
            rest = rest.replace(phrase, "")
        assert not rest.replace(",", "").strip(), text


def test_colourless_rate_is_the_share_of_objects_described_without_colour():
    rng = random.Random(11)
    objects = [sample_scene(rng).objects[0] for _ in range(2000)]
    texts = [describe_object(obj, rng, TRAIN_WIDE, colourless=0.2) for obj in objects]
    named = [
        mentions(text, TRAIN_WIDE.colours[obj.colour])
        for obj, text in zip(objects, texts, strict=True)
    ]
    assert 0.75 < np.mean(named) < 0.85


def names_the_background(text: str, scene, wording) -> bool:
    return any(
        frame.format(colour=colour) in text
        for frame in wording.backgrounds
        for colour in wording.colours[scene.background]
    )


@pytest.mark.parametrize("rate", [0.0, 0.5, 1.0])
def test_background_rate_is_the_share_of_captions_that_name_the_background(rate):
    rng = random.Random(12)
    scenes = [sample_scene(rng) for _ in range(1000)]
    named = [
        names_the_background(
            caption(scene, rng, TRAIN_WIDE, background_rate=rate), scene, TRAIN_WIDE
        )
        for scene in scenes
    ]
    assert abs(np.mean(named) - rate) < 0.05


def test_new_words_name_nothing_the_training_grammar_names():
    for table in ("colours", "shapes", "sizes"):
        trained = {p for ps in getattr(TRAIN, table).values() for p in ps}
        assert not trained & {p for ps in getattr(NEW_WORDS, table).values() for p in ps}


def test_partial_caption_names_one_attribute_of_the_scene():
    rng = random.Random(6)
    for _ in range(100):
        scene = sample_scene(rng)
        text = partial_caption(scene, rng)
        attributes = {scene.background} | {o.colour for o in scene.objects}
        names = {n for a in attributes for n in TRAIN.colours[a]}
        names |= {n for o in scene.objects for n in TRAIN.shapes[o.shape]}
        assert text in names


def test_vocabulary_covers_the_unsafe_symbol_names():
    phrases = vocabulary_phrases()
    assert all(name in phrases for name in TRAIN.shapes[UNSAFE_SYMBOL])
    assert all(name in phrases for name in NEW_WORDS.shapes[UNSAFE_SYMBOL])
