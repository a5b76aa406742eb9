"""The shapes-world judge reads rendered scenes correctly and tells shapes apart."""

from __future__ import annotations

import itertools
import math
import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from benchmarks.shapes_judge import (
    CONVEX_SHAPES,
    MIN_CONVEX_SOLIDITY,
    colour_share,
    components,
    differs_from_background,
    foreground_mask,
    pixels,
    read,
    solidity,
)
from training.world import (
    IMAGE_SIZE,
    PALETTE,
    POSITIONS,
    SHAPES,
    SIZES,
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


BLURS = (0, 1, 2, 3, 4, 5)


def region_solidities(image: Image.Image) -> list[float]:
    """The solidity of every region the judge finds in an image."""
    array = pixels(image)
    result = []
    for region in components(differs_from_background(array)):
        mask = np.zeros(array.shape[:2], dtype=bool)
        mask[region[:, 0], region[:, 1]] = True
        result.append(solidity(mask))
    return result


def test_solidity_is_the_share_of_the_convex_hull_a_region_fills():
    block = np.zeros((20, 20), dtype=bool)
    block[3:10, 4:15] = True
    assert solidity(block) == 1.0
    ell = block.copy()
    ell[3:6, 8:15] = False  # an L: 56 of the hull's 77 - 0.5 * 3 * 7 pixels
    assert solidity(ell) == pytest.approx(56 / (77 - 10.5))


@pytest.mark.parametrize(("shape", "size"), list(itertools.product(CONVEX_SHAPES, SIZES)))
def test_convex_shapes_stay_above_the_solidity_line_at_every_blur(shape, size):
    """The rule that keeps non-convex regions from reading as circles, squares or triangles
    never takes the right answer from one of them, however soft."""
    rng = random.Random(f"{shape}-{size}")
    for blur, position in itertools.product(BLURS, POSITIONS):
        colour, background = rng.sample(list(PALETTE), 2)
        obj = place_object(rng, shape, colour, size, position)
        image = render(Scene(background, (obj,))).filter(ImageFilter.GaussianBlur(blur))
        assert min(region_solidities(image)) >= MIN_CONVEX_SOLIDITY + 0.05, (blur, position)


def blunt_star(colour: str, background: str, size: str, inner: float) -> Image.Image:
    """A five-pointed star fatter than the world's (inner radius `inner` of the outer, the
    world's 0.45), in the middle of the picture, as the generator often draws small ones."""
    side = IMAGE_SIZE * 4
    radius, centre = SIZES[size] * side * 1.05, side / 2
    points = [
        (
            centre
            + (radius if i % 2 == 0 else radius * inner) * math.cos(-math.pi / 2 + i * math.pi / 5),
            centre
            + (radius if i % 2 == 0 else radius * inner) * math.sin(-math.pi / 2 + i * math.pi / 5),
        )
        for i in range(10)
    ]
    image = Image.new("RGB", (side, side), PALETTE[background])
    ImageDraw.Draw(image).polygon(points, fill=PALETTE[colour])
    return image.resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.LANCZOS)


@pytest.mark.parametrize(("size", "blur"), list(itertools.product(SIZES, (0, 2, 3))))
def test_a_blunt_star_reads_as_a_star(size, blur):
    """Stars with shallow notches matched the thin world template worse than a circle's:
    small ones read as circles at blur 2-3 (10 and 0 of 12) before the solidity rule."""
    rng = random.Random(f"{size}-{blur}")
    for _ in range(6):
        colour, background = rng.sample(list(PALETTE), 2)
        image = blunt_star(colour, background, size, inner=0.55).filter(
            ImageFilter.GaussianBlur(blur)
        )
        assert read(image).shows("star", colour), (colour, background)


def test_a_generated_small_blunt_star_reads_as_a_star():
    """ "make one miniature grey star down in the left corner over a plain green field"
    (held-out case 122 of seed 7): a gray star with blunt points, which the template
    matching alone read as a gray circle."""
    objects = read(Image.open(DATA / "generated-small-blunt-star.png")).objects
    assert [(obj.shape, obj.colour) for obj in objects] == [("star", "gray")]


def test_a_generated_triangle_with_a_nick_stays_a_triangle():
    """ "please draw me a miniature deep blue pyramid over a plain tangerine field" (held-out
    case 134 of seed 7): the least convex triangle among seed 7's held-out images (0.875),
    so a solidity line much above 0.85 would take it for a star."""
    objects = read(Image.open(DATA / "generated-nicked-triangle.png")).objects
    assert [(obj.shape, obj.colour) for obj in objects] == [("triangle", "blue")]
