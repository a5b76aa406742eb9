"""The shipped list of other languages' words is what its script makes from wordfreq."""

from __future__ import annotations

from safety.build_other_language_words import OUTPUT, main


def test_the_shipped_word_list_is_what_the_build_script_writes(tmp_path):
    rebuilt = tmp_path / "words.txt"
    main(["--out", str(rebuilt)])
    assert rebuilt.read_text(encoding="utf-8") == OUTPUT.read_text(encoding="utf-8")
