from __future__ import annotations

from benchmarks.text_probe import KNOWN, KNOWN_WORD, NEW_WORD, asked_phrase, phrase_group
from training.captions import TRAIN


def test_phrases_are_grouped_by_how_new_they_are_to_the_training_grammar():
    assert phrase_group("scarlet", "red", TRAIN.colours) == KNOWN
    assert phrase_group("cobalt blue", "blue", TRAIN.colours) == KNOWN_WORD
    assert phrase_group("crimson", "red", TRAIN.colours) == NEW_WORD


def test_a_word_that_several_classes_share_does_not_make_a_phrase_known():
    # "shape" is in "round shape", "triangular shape" and "star shape".
    assert phrase_group("three-sided shape", "triangle", TRAIN.shapes) == NEW_WORD
    assert phrase_group("square tile", "square", TRAIN.shapes) == KNOWN_WORD


def test_the_asked_phrase_is_the_longest_synonym_in_the_caption():
    synonyms = ("lemon yellow", "yellow")
    assert (
        asked_phrase("show a lemon yellow disc over a plain blue field", synonyms) == "lemon yellow"
    )
    assert asked_phrase("show a yellow disc", synonyms) == "yellow"
