"""The example edits' pictures: committed as drawn, painted where the example says."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from components.edit_examples import (
    IMAGE_TO_IMAGE_EXAMPLES,
    INPAINT_EXAMPLES,
    EditExample,
    editor_value,
)
from service.images import mask_from_layer
from settings import EXAMPLES_DIR
from training.example_images import BRUSH_RGB, CIRCLE_AND_SQUARE, example_images
from training.world import object_mask

EXAMPLES = (*IMAGE_TO_IMAGE_EXAMPLES, *INPAINT_EXAMPLES)


def test_committed_pictures_are_what_the_script_draws():
    """Rerunning `python -m training.example_images` changes nothing."""
    for name, drawn in example_images().items():
        committed = Image.open(EXAMPLES_DIR / name)
        assert committed.mode == drawn.mode, name
        assert np.array_equal(np.asarray(committed), np.asarray(drawn)), name


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.prompt)
def test_every_example_names_drawn_pictures_and_a_strength(example):
    drawn = example_images()
    assert example.image in drawn
    assert example.mask is None or example.mask in drawn
    assert 0 < example.strength <= 1


def test_inpaint_examples_paint_over_the_square_and_leave_the_circle():
    for example in INPAINT_EXAMPLES:
        painted = np.asarray(mask_from_layer(Image.open(EXAMPLES_DIR / example.mask))) > 0
        circle, square = (np.asarray(object_mask(obj)) > 0 for obj in CIRCLE_AND_SQUARE.objects)
        assert painted[square].all()
        assert not painted[circle].any()


def test_editor_value_shows_the_layer_over_the_picture(tmp_path):
    Image.new("RGB", (8, 8), "white").save(tmp_path / "picture.png")
    layer = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    layer.paste((*BRUSH_RGB, 255), (0, 0, 4, 8))
    layer.save(tmp_path / "layer.png")
    value = editor_value(EditExample("picture.png", "p", 0.5, mask="layer.png"), tmp_path)
    assert value["background"] == str(tmp_path / "picture.png")
    assert value["layers"] == [str(tmp_path / "layer.png")]
    composite = np.asarray(value["composite"])
    assert (composite[:, :4] == BRUSH_RGB).all() and (composite[:, 4:] == 255).all()


def test_editor_value_without_a_layer_is_the_picture(tmp_path):
    Image.new("RGB", (8, 8), "red").save(tmp_path / "picture.png")
    value = editor_value(EditExample("picture.png", "p", 0.5), tmp_path)
    assert value["layers"] == []
    assert (np.asarray(value["composite"]) == (255, 0, 0)).all()
