"""Write the list of other languages' words that the English-only classifier cannot read.

    python -m safety.build_other_language_words      # rewrites the list (about a minute)

A word is listed where it is among the most frequent words of a language written in Latin
letters and rare in English: wordfreq's frequency lists (CC BY-SA 4.0, see
`assets/languages/SOURCES.md`) decide both. Words are folded as the normaliser folds a
prompt (accents dropped, lower case), so "ängen" is listed as "angen". Needs `wordfreq`
(in `requirements-test.txt`); the app reads only the list it writes.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from pathlib import Path

from safety.normalize import normalize

REPO_ROOT = Path(__file__).resolve().parent.parent
OUTPUT = REPO_ROOT / "assets" / "languages" / "other-language-words.txt"
# wordfreq's languages written in Latin letters; English is what the classifier reads.
LANGUAGES = (
    "ca", "cs", "da", "de", "es", "fi", "fil", "fr", "hu", "id", "is", "it", "lt",
    "lv", "ms", "nb", "nl", "pl", "pt", "ro", "sh", "sk", "sl", "sv", "tr", "vi",
)  # fmt: skip
WORDS_PER_LANGUAGE = 25_000
# Zipf frequencies (log10 of uses per billion words). A word this common in English (about
# 3 uses per million words: "war", "die", "van", "la") is English, whatever else it is ...
ENGLISH_FLOOR = 3.5
# ... and a rarer one is another language's only where it is ten times as common there,
# so names and style words of English prompts ("rutkowski", "bokeh") mostly stay readable.
MARGIN = 1.0


def folded(word: str) -> str:
    """`word` as it appears in the prompt view the guard counts letters in."""
    return normalize(word).leet


def other_language_words(
    candidates: Iterable[tuple[str, float]], english_zipf: dict[str, float]
) -> list[str]:
    """The folded words whose best frequency in another language (`candidates`: word and
    zipf, any order, repeats allowed) beats English by MARGIN, where English uses them
    less than ENGLISH_FLOOR; sorted."""
    best: dict[str, float] = {}
    for word, zipf in candidates:
        best[word] = max(best.get(word, 0.0), zipf)
    return sorted(
        word
        for word, zipf in best.items()
        if english_zipf.get(word, 0.0) < ENGLISH_FLOOR
        and zipf >= english_zipf.get(word, 0.0) + MARGIN
    )


def _candidates() -> tuple[list[tuple[str, float]], dict[str, float]]:
    from wordfreq import top_n_list, zipf_frequency

    pairs: list[tuple[str, float]] = []
    for language in LANGUAGES:
        for word in top_n_list(language, WORDS_PER_LANGUAGE):
            key = folded(word)
            if word.isalpha() and key.isalpha() and key.isascii():
                pairs.append((key, zipf_frequency(word, language)))
    english = {key: zipf_frequency(key, "en") for key in {key for key, _ in pairs}}
    return pairs, english


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    pairs, english = _candidates()
    words = other_language_words(pairs, english)
    header = (
        "# Words of other languages in Latin letters that the English-only prompt classifier\n"
        "# cannot read. Written by `python -m safety.build_other_language_words` from wordfreq\n"
        "# (CC BY-SA 4.0; see SOURCES.md beside this file). One folded word per line.\n"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(header + "\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words):,} words from {len(LANGUAGES)} languages -> {args.out}")


if __name__ == "__main__":
    main()
