"""Turn a prompt into the few plain-ASCII "views" that the checks match against.

People hide words from filters with look-alike letters, zero-width characters,
leetspeak, spacing ("n u d e"), stretched letters and asterisks ("f*ck"). Each trick is undone by
one small pure function here; `normalize` composes them and returns every view
a check needs, so keyword lists and the classifier see the same cleaned text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from anyascii import anyascii
from confusable_homoglyphs import confusables

from safety.minilm_onnx import minilm_path

# Characters kept as word separators when control and format characters go.
_WHITESPACE_CONTROLS = frozenset("\t\n\r\v\f\x1c\x1d\x1e\x1f\x85")

# Leetspeak: digits and symbols that stand for letters inside a word.
_LEET_DIGITS = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g"}
_LEET_SYMBOLS = {"@": "a", "$": "s", "!": "i", "|": "l", "+": "t", "€": "e", "£": "l"}

_SURROGATE = re.compile("[\ud800-\udfff]")
_LEET_TABLE = str.maketrans(_LEET_DIGITS)
_LEET_WORD = re.compile(r"[a-z0-9@$!|+€£]+")
_LEET_CHAR = re.compile(r"[0-9@$!|+€£]")
_LEET_DIGIT_RUN = re.compile(r"(?<=[a-z])[0-9]+|[0-9]+(?=[a-z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Like _NON_ALNUM, but asterisks between letters stay: they hide letters ("f**k").
_NON_ALNUM_BUT_MASKS = re.compile(r"(?:[^a-z0-9*]|(?<![a-z*])\*+|\*+(?![a-z*]))+")
_SPACED_LETTERS = re.compile(
    r"(?<![a-z0-9])[a-z0-9](?P<sep>[^a-z0-9]{1,3})[a-z0-9](?:(?P=sep)[a-z0-9])+(?![a-z0-9])"
)
_LONG_RUN = re.compile(r"([a-z])\1{2,}")
_ANY_RUN = re.compile(r"([a-z])\1+")
_BEYOND_LATIN = re.compile("[^\u0000-\u024f]")
# Scripts written without spaces between words (kana, Han, Hangul, Thai): their words are
# found inside longer runs, so they get a view of their own, in their own script.
_UNSPACED_CHARS = "\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_BETWEEN_UNSPACED = re.compile(f"[^{_UNSPACED_CHARS}]+")
_UNSPACED = re.compile(f"[{_UNSPACED_CHARS}]")
# Scripts matched in a view of their own (unspaced or native) that hold no look-alikes of
# Latin letters worth folding: Hebrew, Arabic, the Indic scripts. A word written wholly in
# them is left out of the ASCII views, where its lossy reading made English terms: Arabic
# "كيس" (a bag) read "kys", Hindi "निगाह" (a gaze) "nigah".
_OWN_VIEW_SCRIPTS = (
    "\u0590-\u05ff\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\u0900-\u0dff"
    f"\ufb1d-\ufdff\ufe70-\ufeff{_UNSPACED_CHARS}"
)
_OWN_VIEW_WORD = re.compile(f"(?<!\\w)[{_OWN_VIEW_SCRIPTS}]+(?!\\w)")
# Cyrillic and Greek hold look-alikes of Latin letters, so a word wholly in them may be a
# disguise ("ѕех") and is folded like one; a word with a letter that imitates none ("горы",
# mountains; "раки", crayfish) is a real word, which folding turns into nonsense or a listed
# term ("ropy", "paki"). Such words are read only phonetically, in the transliterated view.
_ALPHABET_WORD = re.compile(
    "(?<!\\w)[\u0370-\u03ff\u1f00-\u1fff\u0400-\u052f\u0300-\u036f]+(?!\\w)"
)
# Arabic's optional vowel marks and its stretching stroke (tatweel), which hide a word.
_ARABIC_MARKS = re.compile("[\u0640\u064b-\u065f\u0670]")


@dataclass(frozen=True)
class NormalizedText:
    """The views of one prompt, each plain lower-case ASCII words joined by single spaces.

    `plain` undoes Unicode tricks, spacing and stretched letters; `leet` also reads
    digits and symbols as letters; `squeezed` also drops every doubled letter, except
    in known words; `transliterated` reads non-Latin scripts phonetically instead of
    folding look-alikes; `masked` is `leet` with the asterisks inside words kept, for
    matchers that know which letters a mask may hide. `views` names the distinct
    ones, for matchers that try them all.

    `unspaced` is not one of them: it keeps only the characters of scripts written
    without spaces, in their own script ("海滩上的裸体女人" stays so). Transliterated,
    such a prompt is one long word ("haitanshangdeluotinuren"), and a term's reading
    ("luo" for 裸) is shared by other characters (罗).

    `native` is not one of them either: the prompt's words in their own scripts, for
    scripts that separate words with spaces but lose too much in Latin letters (Arabic
    "عارية" reads "ryh", Hindi "नग्न" "ngn"). It is empty when no such script is present.
    Words wholly in such scripts, or in an unspaced one, are left out of the ASCII views.
    So are real Cyrillic and Greek words, as opposed to look-alike disguises ("ѕех"):
    folded, "раки" (crayfish) read "paki"; they stay in `transliterated` ("raki").
    `other_script_share` is the share of the prompt's letters in the words left out.

    `written` is the prompt as typed, invisible characters dropped, for matchers that
    need a word's own letters: Polish "góry" (mountains) is no disguise of "gory".

    `readable` is what a language model should read: like `leet`, de-obfuscated but not
    squeezed, with every script spelled in Latin letters.
    """

    plain: str
    leet: str
    squeezed: str
    transliterated: str
    masked: str
    unspaced: str = ""
    native: str = ""
    readable: str = ""
    other_script_share: float = 0.0
    written: str = ""

    @property
    def views(self) -> dict[str, str]:
        """Distinct views by name; a view equal to an earlier one is left out."""
        named = {
            "plain": self.plain,
            "leet": self.leet,
            "squeezed": self.squeezed,
            "transliterated": self.transliterated,
            "masked": self.masked,
        }
        out: dict[str, str] = {}
        for name, text in named.items():
            if text not in out.values():
                out[name] = text
        return out


def coerce_text(text: str | bytes) -> str:
    """Return valid Unicode: bytes are decoded as UTF-8, lone surrogates become U+FFFD."""
    if isinstance(text, bytes):
        return text.decode("utf-8", errors="replace")
    return _SURROGATE.sub("\ufffd", text)


def strip_invisible(text: str) -> str:
    """Drop zero-width, bidi, other format and control characters; whitespace controls
    become spaces so that they still separate words."""
    if text.isascii() and text.isprintable():
        return text  # printable ASCII has none: most prompts, and every list entry
    out = []
    for char in text:
        if char in _WHITESPACE_CONTROLS:
            out.append(" ")
        elif unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co", "Cn"):
            out.append(char)
    return "".join(out)


def fold_case_and_width(text: str) -> str:
    """NFKC (full-width and compatibility forms) then case folding, then accents removed."""
    if text.isascii():
        return text.lower()  # NFKC and NFKD leave ASCII as it is, and it has no accents
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


@cache
def _homoglyph_table() -> dict[int, str]:
    """Map each non-ASCII character that looks like an ASCII letter or digit to it,
    from the Unicode confusables data that `confusable-homoglyphs` ships."""
    table: dict[int, str] = {}
    for char, homoglyphs in confusables.confusables_data.items():
        if len(char) != 1 or char.isascii():
            continue
        for glyph in homoglyphs:
            target = glyph["c"]
            if len(target) == 1 and target.isascii() and target.isalnum():
                table[ord(char)] = target.lower()
                break
    return table


def fold_homoglyphs(text: str) -> str:
    """Replace Cyrillic, Greek and other look-alikes with the ASCII letter they imitate."""
    return text.translate(_homoglyph_table())


def transliterate(text: str) -> str:
    """Spell any script in ASCII (Cyrillic "секс" -> "seks"), lower-cased."""
    return anyascii(text).lower()


@cache
def known_words() -> frozenset[str]:
    """Whole English words of four or more letters: those in the bundled MiniLM model's
    vocabulary, the words the classifier knows. Empty if that package is missing (the
    classifier cannot load then either, and the guard refuses to start)."""
    try:
        vocabulary = minilm_path() / "vocab.txt"
    except ImportError:
        return frozenset()
    return frozenset(
        word
        for word in vocabulary.read_text(encoding="utf-8").split()
        if len(word) >= 4 and word.isascii() and word.isalpha()
    )


def _leet_word(word: str) -> str:
    chars = [
        _LEET_SYMBOLS[c] if c in _LEET_SYMBOLS and word[i + 1 : i + 2].isalpha() else c
        for i, c in enumerate(word)
    ]
    spelled = "".join(chars)
    letters = sum(c.isalpha() for c in spelled)
    if letters >= 2:
        return _LEET_DIGIT_RUN.sub(lambda m: m.group().translate(_LEET_TABLE), spelled)
    if letters == 1 and len(spelled) >= 4:
        read = spelled.translate(_LEET_TABLE)
        if read in known_words():
            return read
    return spelled


def read_leetspeak(text: str) -> str:
    """Read digits and symbols as letters inside words ("n4k3d" -> "naked", "$ex" -> "sex").

    Digits count only next to a letter in a word of at least two letters, so
    "3 cats", "4k" and "1920s" stay as they are; symbols count only before a letter.
    A word of four or more characters with a single letter ("h473", "7h47") is read
    only when that gives a known word ("hate", "that"), so "1080p" stays. Numbers
    with no letter stay: "8080" and "5070" would read as words too.
    """
    if not _LEET_CHAR.search(text):
        return text  # words of letters alone read as they are
    return _LEET_WORD.sub(lambda m: _leet_word(m.group()), text)


def to_words(text: str) -> str:
    """Keep ASCII letters and digits; every other run becomes one space."""
    return _NON_ALNUM.sub(" ", text).strip()


def to_words_keeping_masks(text: str) -> str:
    """Like `to_words`, but a run of asterisks between letters stays in its word."""
    return _NON_ALNUM_BUT_MASKS.sub(" ", text).strip()


def _join_letters(match: re.Match[str]) -> str:
    sep = match.group("sep")
    letters = match.group()[:: len(sep) + 1]
    # "a n u d e" is more often the article and a spaced word than one word.
    if letters[0] in "ai" and len(letters) >= 4 and sep == " ":
        return letters[0] + sep + letters[1:]
    return letters


def join_spaced_letters(text: str) -> str:
    """Join three or more single characters split by one repeated separator: "n u d e",
    "n.u.d.e", "n-u-d-e". A different gap ends the word, so "n u d e  w o m a n"
    becomes "nude  woman"."""
    return _SPACED_LETTERS.sub(_join_letters, text)


def shorten_runs(words: str) -> str:
    """Cut letters repeated three or more times to two ("nuuuude" -> "nuude").

    A word of one letter repeated ("xxx", "zzz") is not a stretched word: it keeps three
    letters, so "xxxxx" reads as "xxx" and the roman numeral "xx" stays apart from it.
    """
    return _LONG_RUN.sub(_cut_run, words)


def _cut_run(run: re.Match[str]) -> str:
    text, start, end = run.string, run.start(), run.end()
    whole_word = (start == 0 or not text[start - 1].isalnum()) and (
        end == len(text) or not text[end].isalnum()
    )
    return run.group(1) * (3 if whole_word else 2)


def squeeze_runs(words: str) -> str:
    """Cut every repeated letter to one ("nuude" -> "nude", "sexxx" -> "sex"), except in
    known words: squeezing undoes stretched spellings, it must not turn one word into
    another ("seeks" is not "seks", the Russian word for sex)."""
    return _ANY_RUN.sub(_squeeze_run, words)


def _squeeze_run(run: re.Match[str]) -> str:
    """One run of a repeated letter, cut to one unless its word is a known word; only
    words with a run pay for the lookup."""
    text, start, end = run.string, run.start(), run.end()
    while start > 0 and "a" <= text[start - 1] <= "z":
        start -= 1
    while end < len(text) and "a" <= text[end] <= "z":
        end += 1
    return run.group() if text[start:end] in known_words() else run.group(1)


def cut_runs_to_two(words: str) -> str:
    """Every letter repeated three or more times cut to two, one-letter words too."""
    return _LONG_RUN.sub(r"\1\1", words)


def _words_view(text: str) -> str:
    return shorten_runs(to_words(text))


def unspaced_runs(text: str) -> str:
    """The characters of scripts written without spaces. Spaces and punctuation between
    them are dropped, as they hide a word ("裸 体", "裸.体"); a word in another script
    between them stays a gap."""
    return _BETWEEN_UNSPACED.sub(
        lambda gap: " " if any(c.isalnum() for c in gap.group()) else "", text
    ).strip()


def native_words(text: str) -> str:
    """The words of `text` in their own scripts, case-folded: letters, marks and digits
    kept, Arabic's optional marks dropped, anything else a gap; empty unless some letter
    is from a script other than Latin or the unspaced ones."""
    if not _BEYOND_LATIN.search(text) or not any(
        c.isalpha() and ord(c) > 0x24F and not _UNSPACED.match(c) for c in text
    ):
        return ""
    kept = (
        c if unicodedata.category(c)[0] in "LMN" else " "
        for c in _ARABIC_MARKS.sub("", text.casefold())
    )
    return " ".join("".join(kept).split())


def _read(visible: str) -> tuple[str, str]:
    """`visible` in Latin letters, look-alikes folded, and the same with leetspeak read."""
    # Look-alikes are folded before case: Greek capital "Ν" imitates "N", its lower case "ν" a "v".
    latin = join_spaced_letters(transliterate(fold_case_and_width(fold_homoglyphs(visible))))
    return latin, read_leetspeak(latin)


def _without_real_alphabet_words(text: str) -> str:
    """`text` with each Cyrillic or Greek word that is not a disguise made a gap: a word
    with a letter that imitates no Latin one ("горы"); "ѕех" and "горе" stay."""
    table = _homoglyph_table()
    return _ALPHABET_WORD.sub(
        lambda word: (
            word.group() if all(ord(c) in table for c in word.group() if c.isalpha()) else " "
        ),
        text,
    )


def _share_of_letters_left_out(visible: str, kept: str) -> float:
    """The share of `visible`'s letters that are not in `kept`, which has whole words
    of it made gaps."""
    letters = sum(c.isalpha() for c in visible)
    return 1 - sum(c.isalpha() for c in kept) / letters if letters else 0.0


def normalize(text: str | bytes) -> NormalizedText:
    """Compose the normalisers into the views the keyword and semantic checks read."""
    visible = unicodedata.normalize("NFKC", strip_invisible(coerce_text(text)))
    phonetic = ascii_only = visible
    if _BEYOND_LATIN.search(visible):
        phonetic = _OWN_VIEW_WORD.sub(" ", visible)
        ascii_only = _without_real_alphabet_words(phonetic)
    latin, read = _read(ascii_only)
    plain = _words_view(latin)
    leet = _words_view(read)
    readable = leet if ascii_only == visible else _words_view(_read(visible)[1])
    return NormalizedText(
        plain=plain,
        leet=leet,
        squeezed=squeeze_runs(leet),
        # In ASCII there are no look-alikes to fold, so reading it phonetically is `plain`.
        transliterated=plain
        if visible.isascii()
        else _words_view(join_spaced_letters(transliterate(fold_case_and_width(phonetic)))),
        masked=shorten_runs(to_words_keeping_masks(read)) if "*" in read else leet,
        unspaced=unspaced_runs(visible),
        native=native_words(visible),
        readable=readable,
        other_script_share=(
            0.0 if ascii_only == visible else _share_of_letters_left_out(visible, ascii_only)
        ),
        written=visible,
    )
