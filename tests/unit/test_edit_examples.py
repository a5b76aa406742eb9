"""A model folder's example edits: read, written and checked at start-up; the bundled
model's pictures committed as drawn, painted where the examples say; shown only when a
model offers them."""

from __future__ import annotations

import json

import gradio as gr
import numpy as np
import pytest
from PIL import Image

from components.edit_examples import edit_examples, editor_value
from generation.edit_examples import (
    EDIT_EXAMPLES_FILE,
    NO_EDIT_EXAMPLES,
    EditExample,
    EditExamples,
    read_edit_examples,
)
from service.images import mask_from_layer
from settings import BUNDLED_MODEL_DIR
from training.example_images import (
    BRUSH_RGB,
    CIRCLE_AND_SQUARE,
    EDIT_EXAMPLES,
    PICTURES,
    example_images,
    write_example_edits,
)
from training.world import object_mask

BUNDLED = read_edit_examples(BUNDLED_MODEL_DIR)


def test_the_bundled_examples_are_what_training_writes(tmp_path):
    """Rerunning `python -m training.example_images` changes nothing."""
    write_example_edits(tmp_path)
    written = (tmp_path / EDIT_EXAMPLES_FILE).read_text()
    assert (BUNDLED_MODEL_DIR / EDIT_EXAMPLES_FILE).read_text() == written
    for name in example_images():
        committed = Image.open(BUNDLED_MODEL_DIR / PICTURES / name)
        drawn = Image.open(tmp_path / PICTURES / name)
        assert committed.mode == drawn.mode, name
        assert np.array_equal(np.asarray(committed), np.asarray(drawn)), name


def test_the_bundled_folder_offers_two_edits_of_each_kind_from_its_own_pictures():
    assert len(BUNDLED.image_to_image) == len(BUNDLED.inpaint) == 2
    folder = BUNDLED_MODEL_DIR.resolve()
    for example in (*BUNDLED.image_to_image, *BUNDLED.inpaint):
        assert example.image.is_relative_to(folder) and example.image.is_file()
        assert 0 < example.strength <= 1
    assert all(e.mask is None for e in BUNDLED.image_to_image)
    assert all(e.mask is not None and e.mask.is_file() for e in BUNDLED.inpaint)


def test_inpaint_examples_paint_over_the_square_and_leave_the_circle():
    for example in BUNDLED.inpaint:
        painted = np.asarray(mask_from_layer(Image.open(example.mask))) > 0
        circle, square = (np.asarray(object_mask(obj)) > 0 for obj in CIRCLE_AND_SQUARE.objects)
        assert painted[square].all()
        assert not painted[circle].any()


def test_a_folder_without_examples_and_a_hub_id_offer_none(tmp_path):
    assert read_edit_examples(tmp_path) == NO_EDIT_EXAMPLES
    assert read_edit_examples("org/some-hub-model") == NO_EDIT_EXAMPLES


def test_written_examples_read_back_with_their_pictures_in_the_folder(tmp_path):
    write_example_edits(tmp_path)
    read = read_edit_examples(tmp_path)
    folder = tmp_path.resolve()

    def relative(example: EditExample) -> EditExample:
        image = example.image.relative_to(folder)
        mask = example.mask.relative_to(folder) if example.mask else None
        return EditExample(image, example.prompt, example.strength, mask)

    assert (
        EditExamples(tuple(map(relative, read.image_to_image)), tuple(map(relative, read.inpaint)))
        == EDIT_EXAMPLES
    )


def _folder_with(tmp_path, content: object) -> None:
    Image.new("RGB", (8, 8), "white").save(tmp_path / "picture.png")
    Image.new("RGBA", (8, 8), (255, 0, 255, 255)).save(tmp_path / "layer.png")
    (tmp_path / "notes.txt").write_text("not a picture")
    text = content if isinstance(content, str) else json.dumps(content)
    (tmp_path / EDIT_EXAMPLES_FILE).write_text(text)


GOOD = {"image": "picture.png", "prompt": "a red square", "strength": 0.5}
GOOD_INPAINT = {**GOOD, "mask": "layer.png"}


def test_a_folder_may_offer_one_kind_of_edit_only(tmp_path):
    _folder_with(tmp_path, {"inpaint": [GOOD_INPAINT]})
    examples = read_edit_examples(tmp_path)
    assert examples.image_to_image == ()
    assert examples.inpaint == (
        EditExample(
            (tmp_path / "picture.png").resolve(),
            "a red square",
            0.5,
            (tmp_path / "layer.png").resolve(),
        ),
    )


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("{not json", "Expecting property name"),
        ([GOOD], "JSON object"),
        ({"img2img": [GOOD]}, "unknown mode(s): img2img"),
        ({"image_to_image": GOOD}, "image_to_image must be a list"),
        ({"image_to_image": ["picture.png"]}, "image_to_image[0] must be an object"),
        ({"image_to_image": [{**GOOD, "mask": "layer.png"}]}, "image_to_image[0] has mask"),
        ({"inpaint": [GOOD]}, "inpaint[0] lacks mask"),
        ({"image_to_image": [GOOD, {"image": "picture.png"}]}, "[1] lacks prompt, strength"),
        ({"image_to_image": [{**GOOD, "prompt": " "}]}, "prompt must be non-empty text"),
        ({"image_to_image": [{**GOOD, "strength": 1.5}]}, "from 0 to 1, not 1.5"),
        ({"image_to_image": [{**GOOD, "strength": "high"}]}, "not 'high'"),
        ({"image_to_image": [{**GOOD, "strength": True}]}, "not True"),
        ({"image_to_image": [{**GOOD, "image": "missing.png"}]}, "'missing.png' is not a readable"),
        ({"image_to_image": [{**GOOD, "image": "notes.txt"}]}, "'notes.txt' is not a readable"),
        ({"inpaint": [{**GOOD_INPAINT, "mask": "../layer.png"}]}, "outside the model folder"),
        ({"image_to_image": [{**GOOD, "image": 3}]}, "image must be a path"),
    ],
)
def test_a_broken_file_fails_naming_the_file_and_the_problem(tmp_path, content, complaint):
    _folder_with(tmp_path, content)
    with pytest.raises(ValueError, match=EDIT_EXAMPLES_FILE) as error:
        read_edit_examples(tmp_path)
    assert complaint in str(error.value)


def test_a_picture_outside_the_folder_is_refused_even_if_it_exists(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    Image.new("RGB", (8, 8), "white").save(tmp_path / "elsewhere.png")
    (folder / EDIT_EXAMPLES_FILE).write_text(
        json.dumps({"image_to_image": [{**GOOD, "image": str(tmp_path / "elsewhere.png")}]})
    )
    with pytest.raises(ValueError, match="outside the model folder"):
        read_edit_examples(folder)


def _example_tables(examples: tuple[EditExample, ...]) -> list[dict]:
    with gr.Blocks() as demo:
        image, prompt, strength = gr.Image(type="filepath"), gr.Textbox(), gr.Slider(0, 1)
        edit_examples(
            examples, image, lambda e: str(e.image), prompt, strength, elem_id="img2img-examples"
        )
    return [c for c in demo.config["components"] if c["props"].get("elem_id") == "img2img-examples"]


def test_examples_show_only_for_a_model_that_offers_them():
    assert _example_tables(()) == []
    (table,) = _example_tables(BUNDLED.image_to_image)
    assert table["type"] == "dataset"
    assert len(table["props"]["samples"]) == 2


def test_editor_value_shows_the_layer_over_the_picture(tmp_path):
    Image.new("RGB", (8, 8), "white").save(tmp_path / "picture.png")
    layer = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    layer.paste((*BRUSH_RGB, 255), (0, 0, 4, 8))
    layer.save(tmp_path / "layer.png")
    value = editor_value(
        EditExample(tmp_path / "picture.png", "p", 0.5, mask=tmp_path / "layer.png")
    )
    assert value["background"] == str(tmp_path / "picture.png")
    assert value["layers"] == [str(tmp_path / "layer.png")]
    composite = np.asarray(value["composite"])
    assert (composite[:, :4] == BRUSH_RGB).all() and (composite[:, 4:] == 255).all()


def test_editor_value_without_a_layer_is_the_picture(tmp_path):
    Image.new("RGB", (8, 8), "red").save(tmp_path / "picture.png")
    value = editor_value(EditExample(tmp_path / "picture.png", "p", 0.5))
    assert value["layers"] == []
    assert (np.asarray(value["composite"]) == (255, 0, 0)).all()
