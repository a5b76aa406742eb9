"""The shapes benchmark's bookkeeping: which prompts name a position, and where objects land."""

from __future__ import annotations

import random

from benchmarks.shapes_quality import (
    Case,
    colourless_cases,
    grid_cell,
    position_accuracy,
    share_with_interval,
    single_object_cases,
    wilson_interval,
)
from training.captions import HELD_OUT, TRAIN
from training.world import POSITIONS, UNSAFE_SYMBOL, Scene, place_object, render


def test_a_case_records_its_position_only_when_the_prompt_names_it():
    cases = single_object_cases(60, seed=3)
    named = [case for case in cases if case.position is not None]
    assert 0 < len(named) < len(cases)
    for case in named:
        assert any(phrase in case.prompt for phrase in HELD_OUT.positions[case.position])


def test_grid_cell_is_the_nearest_named_position():
    assert all(grid_cell(centre) == name for name, centre in POSITIONS.items())
    assert grid_cell((0.3, 0.2)) == "top left"


def test_position_accuracy_counts_drawn_objects_in_the_asked_cell():
    obj = place_object(random.Random(0), "square", "blue", "medium", "top left")
    image = render(Scene("yellow", (obj,)))
    asked = [
        Case("a blue square at the top left", "square", "blue", 0, "top left"),
        Case("a blue square at the bottom right", "square", "blue", 1, "bottom right"),
        Case("a blue square", "square", "blue", 2, None),  # names no position: not counted
        Case("a red circle at the top left", "circle", "red", 3, "top left"),  # not drawn
    ]
    assert position_accuracy(asked, [image] * len(asked)) == (0.5, 2)


def test_colourless_cases_name_shape_and_background_but_no_object_colour():
    backgrounds = {
        phrase.format(colour=name)
        for phrase in TRAIN.backgrounds
        for names in TRAIN.colours.values()
        for name in names
    }
    cases = colourless_cases(40, seed=4)
    assert {case.colour for case in cases} == {None}
    assert UNSAFE_SYMBOL in {case.shape for case in cases}
    for case in cases:
        shape_names = [n for n in TRAIN.shapes[case.shape] if case.prompt.startswith(f"a {n} ")]
        assert shape_names, case.prompt
        # "square tile" starts with "square" too: the longest name is the one used.
        rest = case.prompt.removeprefix(f"a {max(shape_names, key=len)} ")
        assert rest in backgrounds, case.prompt


def test_wilson_interval_matches_the_textbook_values():
    low, high = wilson_interval(0.8, 100)
    assert (round(low, 4), round(high, 4)) == (0.7112, 0.8666)
    low, high = wilson_interval(0.0, 200)  # no false positives still leaves a margin
    assert low == 0.0 and round(high, 4) == 0.0188
    assert wilson_interval(1.0, 80)[1] == 1.0
    assert share_with_interval(0.8, 100) == "80.0% (71-87)"
