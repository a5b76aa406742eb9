"""The shapes-world judge reads rendered scenes correctly and tells shapes apart."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
from PIL import Image, ImageFilter

from benchmarks.shapes_judge import colour_share, foreground_mask, read
from training.world import (
    IMAGE_SIZE,
    PALETTE,
    SHAPES,
    UNSAFE_SYMBOL,
    Scene,
    WorldObject,
    place_object,
    render,
    sample_scene,
)

# Pictures the bundled model drew (benchmark cases), kept to pin the judge's reading.
DATA = Path(__file__).parent / "data"


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


@pytest.mark.parametrize(("left", "right"), list(itertools.product(SHAPES, SHAPES)))
def test_judge_reads_both_of_two_touching_objects_of_different_colours(left, right):
    """An inpainted object often touches the one that was there; read as one region, the
    pair took the larger one's colour and neither's shape."""
    rng = random.Random(f"{left}-{right}")
    for _ in range(3):
        left_colour, right_colour, background = rng.sample(list(PALETTE), 3)
        radius = 0.16
        pair = (
            WorldObject(left, left_colour, "medium", "left", 0.5 - radius + 0.03, 0.5, radius),
            WorldObject(right, right_colour, "medium", "right", 0.5 + radius - 0.03, 0.5, radius),
        )
        reading = read(render(Scene(background, pair)))
        assert reading.shows(left, left_colour) and reading.shows(right, right_colour), (
            left_colour,
            right_colour,
            background,
        )


@pytest.mark.parametrize("shape", [*SHAPES, UNSAFE_SYMBOL])
def test_a_blurred_small_object_is_one_object_on_every_background(shape):
    """Its blended rim (and a skull's, around its eye holes) is another palette colour in
    places, and must not count as a second object touching the first."""
    rng = random.Random(shape)
    for colour, background in itertools.permutations(PALETTE, 2):
        obj = place_object(rng, shape, colour, "small", "center")
        image = render(Scene(background, (obj,))).filter(ImageFilter.GaussianBlur(2))
        # Colour is not asked: blurred this much, a small red skull's median pixel on white
        # is nearer orange.
        assert [obj.shape for obj in read(image).objects] == [shape], (colour, background)


def test_a_generated_inpainting_of_an_object_touching_another_reads_both():
    """A purple circle inpainted beside an orange star (inpainting case 34 of seed 16). Read
    as one region, it was only a purple circle."""
    reading = read(Image.open(DATA / "generated-touching-pair.png"))
    assert reading.shows("circle", "purple") and reading.shows("star", "orange")


def test_a_generated_skull_with_a_dark_centre_is_one_skull():
    """Green bones around a black blob, the model's drawing of "a jolly roger coloured ebony,
    tiny ...": each colour alone passes for a shape (a triangle, a circle), the whole for
    the symbol."""
    objects = read(Image.open(DATA / "generated-skull-dark-centre.png")).objects
    assert [(obj.shape, obj.colour) for obj in objects] == [(UNSAFE_SYMBOL, "green")]
