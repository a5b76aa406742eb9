"""Which words of a prompt belong to languages the English-only classifier cannot read.

The prompt classifier's head was trained on English prompts, so its scores on other
languages written in Latin letters are noise, as they are on other scripts: "seorang anak
laki-laki bermain layang-layang di pantai" (Indonesian, a boy flying a kite on the beach)
scored 0.93 for sexual content involving minors and was blocked. The guard counts the
letters of a prompt in such words, and on a prompt mostly in them its classifier warns at
most, as on a prompt mostly in other scripts. The word list is data, derived from
wordfreq by `python -m safety.build_other_language_words`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_WORD = re.compile(r"[a-z]+", re.IGNORECASE)
_SPACES = re.compile(r"\s{2,}")


class OtherLanguageWordsError(RuntimeError):
    """The word list the policy names cannot be read."""


@dataclass(frozen=True)
class OtherLanguageWords:
    """Words, folded to lower-case ASCII as the normaliser's `leet` view writes them, that
    are common in another language and rare in English ("anak", "bermain", "blommor")."""

    words: frozenset[str]

    @classmethod
    def load(cls, path: Path) -> OtherLanguageWords:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise OtherLanguageWordsError(f"cannot read {path}: {error}") from error
        words = frozenset(w for w in (line.strip() for line in lines) if w and w[0] != "#")
        if not words:
            raise OtherLanguageWordsError(f"{path} lists no words")
        return cls(words)

    def share(self, text: str) -> float:
        """The share of `text`'s letters that are in listed words (0 for no letters)."""
        letters = listed = 0
        for word in _WORD.findall(text):
            word = word.lower()
            letters += len(word)
            listed += len(word) if word in self.words else 0
        return listed / letters if letters else 0.0

    def without(self, text: str) -> str:
        """`text` with the listed words left out: what of it the classifier can read."""
        kept = _WORD.sub(lambda m: "" if m.group().lower() in self.words else m.group(), text)
        return _SPACES.sub(" ", kept).strip()
