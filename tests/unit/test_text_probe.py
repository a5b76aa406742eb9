from __future__ import annotations

from benchmarks.text_probe import (
    ATTRIBUTES,
    KNOWN,
    KNOWN_WORD,
    NEW_WORD,
    NOT_NAMED,
    asked_phrase,
    make_captions,
    phrase_group,
)
from training.captions import TRAIN


def test_phrases_are_grouped_by_how_new_they_are_to_the_training_grammar():
    assert phrase_group("scarlet", "red", TRAIN.colours) == KNOWN
    assert phrase_group("cherry red", "red", TRAIN.colours) == KNOWN_WORD
    assert phrase_group("ruby", "red", TRAIN.colours) == NEW_WORD


def test_a_word_that_several_classes_share_does_not_make_a_phrase_known():
    # "shape" is in "round shape", "triangular shape" and "star shape".
    assert phrase_group("wedge shape", "triangle", TRAIN.shapes) == NEW_WORD
    assert phrase_group("square panel", "square", TRAIN.shapes) == KNOWN_WORD


def test_the_asked_phrase_is_the_longest_synonym_in_the_caption():
    synonyms = ("lemon yellow", "yellow")
    assert (
        asked_phrase("show a lemon yellow disc over a plain blue field", synonyms) == "lemon yellow"
    )
    assert asked_phrase("show a yellow disc", synonyms) == "yellow"


def test_captions_that_leave_the_position_out_are_not_labelled_with_one():
    captions = make_captions(60, TRAIN, seed=1)
    labels = captions.labels["position"].tolist()
    assert NOT_NAMED in labels and any(label != NOT_NAMED for label in labels)
    for text, label in zip(captions.texts, labels, strict=True):
        if label != NOT_NAMED:
            position = ATTRIBUTES["position"][label]
            assert any(phrase in text for phrase in TRAIN.positions[position])
    assert (captions.labels["colour"] != NOT_NAMED).all()  # every caption names the colour
