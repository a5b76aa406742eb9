"""The shapes-world judge reads rendered scenes correctly and tells shapes apart."""

from __future__ import annotations

import random

from PIL import Image, ImageFilter

from benchmarks.shapes_judge import colour_share, foreground_mask, read
from training.world import (
    IMAGE_SIZE,
    SHAPES,
    UNSAFE_SYMBOL,
    Scene,
    place_object,
    render,
    sample_scene,
)


def test_judge_reads_shape_colour_and_background_of_rendered_scenes():
    rng = random.Random(11)
    scenes = [sample_scene(rng, unsafe_rate=0.2) for _ in range(120)]
    correct = 0
    for scene in scenes:
        reading = read(render(scene))
        correct += reading.background == scene.background and all(
            reading.shows(obj.shape, obj.colour) for obj in scene.objects
        )
    assert correct >= 118


def test_judge_still_reads_a_blurred_scene():
    rng = random.Random(12)
    for shape in (*SHAPES, UNSAFE_SYMBOL):
        obj = place_object(rng, shape, "blue", "large", "center")
        image = render(Scene("yellow", (obj,))).filter(ImageFilter.GaussianBlur(1.5))
        assert read(image).shows(shape, "blue"), shape


def test_plain_background_has_no_objects():
    image = Image.new("RGB", (IMAGE_SIZE, IMAGE_SIZE), (40, 80, 220))
    reading = read(image)
    assert reading.background == "blue"
    assert reading.objects == ()
    assert not foreground_mask(image).any()


def test_colour_share_counts_the_background_and_the_object():
    obj = place_object(random.Random(0), "square", "red", "large", "center")
    image = render(Scene("green", (obj,)))
    red, green = colour_share(image, "red"), colour_share(image, "green")
    assert 0.15 < red < 0.4
    assert red + green > 0.97
    assert colour_share(image, "purple") == 0.0
