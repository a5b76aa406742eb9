from __future__ import annotations

import pytest

from safety.build_other_language_words import other_language_words
from safety.other_languages import OtherLanguageWords, OtherLanguageWordsError

SWEDISH = OtherLanguageWords(frozenset({"liten", "flicka", "som", "plockar", "blommor"}))


def test_share_counts_the_letters_in_listed_words():
    assert SWEDISH.share("en liten flicka") == pytest.approx(11 / 13)
    assert SWEDISH.share("Liten FLICKA") == 1.0
    assert SWEDISH.share("a small girl") == 0.0
    assert SWEDISH.share("") == 0.0 and SWEDISH.share("123 !!") == 0.0


def test_without_leaves_out_listed_words_whatever_their_case():
    assert SWEDISH.without("a Liten flicka, picking blommor") == "a , picking"
    assert SWEDISH.without("liten flicka") == ""


def test_a_missing_or_empty_list_cannot_load(tmp_path):
    with pytest.raises(OtherLanguageWordsError, match="cannot read"):
        OtherLanguageWords.load(tmp_path / "missing.txt")
    empty = tmp_path / "empty.txt"
    empty.write_text("# only a comment\n\n", encoding="utf-8")
    with pytest.raises(OtherLanguageWordsError, match="lists no words"):
        OtherLanguageWords.load(empty)


def test_a_list_file_reads_one_word_per_line_and_skips_comments(tmp_path):
    path = tmp_path / "words.txt"
    path.write_text("# header\nanak\n\npantai\n", encoding="utf-8")
    assert OtherLanguageWords.load(path).words == {"anak", "pantai"}


def test_a_word_is_listed_where_another_language_uses_it_far_more_than_english():
    english = {"war": 5.3, "anak": 2.6, "rutkowski": 1.8, "kite": 3.6}
    candidates = [
        ("anak", 6.4),  # Indonesian for child
        ("war", 6.6),  # German for was: common in English too
        ("rutkowski", 2.6),  # a painter's name in English prompts: not ten times as common
        ("kite", 4.9),  # common enough in English
        ("blommor", 4.4),  # never seen in English
        ("blommor", 2.0),  # a repeat: the best frequency counts
    ]
    assert other_language_words(candidates, english) == ["anak", "blommor"]
