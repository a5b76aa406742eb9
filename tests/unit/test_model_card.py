"""A model folder's card: what the app says the model draws, and the prompts it offers."""

from __future__ import annotations

import pytest

from generation.model_card import (
    CARD_FILE,
    USUAL_CARD,
    ModelCard,
    read_model_card,
    write_model_card,
)
from settings import BUNDLED_MODEL_DIR
from training.architecture import CARD, CARD_METADATA
from training.world import PALETTE, SHAPES


def test_a_model_without_a_card_gets_no_summary_and_the_usual_examples(tmp_path):
    assert read_model_card(tmp_path) == USUAL_CARD
    assert read_model_card("org/some-hub-model") == USUAL_CARD
    assert USUAL_CARD.summary == "" and len(USUAL_CARD.examples) >= 3


def test_a_written_card_reads_back_the_same(tmp_path):
    card = ModelCard(summary="Draws lighthouses.", examples=("a lighthouse", "two lighthouses"))
    write_model_card(card, tmp_path, {"license": "mit"})
    assert read_model_card(tmp_path) == card
    assert "license: mit" in (tmp_path / CARD_FILE).read_text()


def test_the_summary_is_the_first_paragraph_of_prose(tmp_path):
    (tmp_path / CARD_FILE).write_text(
        "---\nlicense: mit\n---\n\n# my-model\n\n![badge](b.svg)\n\n- a list\n\n"
        "This model draws\nlighthouses at dusk.\n\nMore detail.\n"
    )
    card = read_model_card(tmp_path)
    assert card.summary == "This model draws lighthouses at dusk."
    assert card.examples == USUAL_CARD.examples  # no `widget` in the header


def test_a_card_saved_with_windows_line_endings_reads_the_same(tmp_path):
    text = "---\nwidget:\n- text: a fox\n---\n\n# m\n\nDraws\nfoxes.\n"
    (tmp_path / CARD_FILE).write_bytes(text.replace("\n", "\r\n").encode())
    assert read_model_card(tmp_path) == ModelCard(summary="Draws foxes.", examples=("a fox",))


def test_a_card_without_a_header_still_gives_its_summary(tmp_path):
    (tmp_path / CARD_FILE).write_text("# my-model\n\nDraws foxes.\n")
    assert read_model_card(tmp_path) == ModelCard(summary="Draws foxes.")


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("---\nlicense: mit\n\n# never closed\n", "never closed"),
        ("---\nwidget: [unclosed\n---\n", "does not parse"),
        ("---\n- a\n- b\n---\n", "must be a mapping"),
        ("---\nwidget: a fox\n---\n", "`widget` must be a list"),
        ("---\nwidget:\n- prompt: a fox\n---\n", "`widget` must be a list"),
    ],
)
def test_a_broken_card_stops_start_up_with_a_message_naming_it(tmp_path, content, complaint):
    (tmp_path / CARD_FILE).write_text(content)
    with pytest.raises(ValueError, match=complaint) as error:
        read_model_card(tmp_path)
    assert CARD_FILE in str(error.value)


def test_the_bundled_card_is_the_one_training_writes(tmp_path):
    folder = tmp_path / BUNDLED_MODEL_DIR.name
    folder.mkdir()
    write_model_card(CARD, folder, CARD_METADATA)
    assert (BUNDLED_MODEL_DIR / CARD_FILE).read_text() == (folder / CARD_FILE).read_text()
    assert read_model_card(BUNDLED_MODEL_DIR) == CARD


def test_the_bundled_summary_names_every_shape_and_colour_of_the_world():
    assert all(word in CARD.summary for word in (*SHAPES, *PALETTE))
