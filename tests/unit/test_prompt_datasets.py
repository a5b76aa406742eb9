from __future__ import annotations

import pytest

from safety.prompt_datasets import HELD_OUT, SAFE, dedup_key, load_sets, split, split_of


@pytest.fixture(scope="module")
def sets():
    return load_sets()


def test_split_depends_only_on_the_normalised_text():
    assert split_of("A Nude woman") == split_of("a  n.u.d.e   WOMAN")
    assert {split_of(f"prompt number {i}") for i in range(50)} == {"train", "test"}


def test_no_test_prompt_is_a_training_prompt_in_any_set(sets):
    train = {dedup_key(r.text) for rows in split(sets, "train").values() for r in rows}
    test = {dedup_key(r.text) for rows in split(sets, "test").values() for r in rows}
    assert train and test
    assert not train & test


def test_held_out_sets_are_never_trained_on(sets):
    train = split(sets, "train")
    assert all(train[name] == [] for name in HELD_OUT)


def test_every_set_has_rows_and_one_kind_of_label(sets):
    for name, rows in sets.items():
        assert rows, name
        assert len({r.label == SAFE for r in rows}) == 1, name
