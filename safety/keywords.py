"""Find blocklisted words and phrases in a normalised prompt, whatever the disguise.

Terms come from `assets/blocklists/<category>.txt` and are normalised the same
way as prompts, so one entry ("nude") catches "NUDE", "n u d e", "nuуde" and
"n00de". Matching is whole-word, all terms at once (Aho-Corasick), and an
allowlist of known traps ("sex on the beach", "breast cancer") cancels matches
that lie inside a harmless phrase.

Some words are harmful in one sentence and everyday in the next: "fuck" as an
intensifier, "fags" for cigarettes, "faggots" for the dish. A
trailing `?` marks such a term as needing context: its hits are reported by a
separate check, and the guard applies the category's action only when the
classifier also finds the prompt harmful.

Dropping accents and reading other scripts in Latin letters also turns everyday words of
other languages into listed English ones: Polish "góry" (mountains) and Russian "горы"
read "gory". Allowlist entries written beyond ASCII are therefore matched as written
(case-folded, accents kept), and the text they cover is left out before the lists are
matched, so "góry" is allowed and "gory" is not.

Entries in scripts written without spaces (Chinese, Japanese, Korean, Thai) are kept in
their own script and found anywhere inside a run of it, since those prompts have no word
boundaries to respect; the allowlist names the everyday words that contain one, or that
begin or end inside one.

An entry may offer choices in parentheses, separated by bars: `kicking (a|the|his) (dog|cat)`
stands for the six entries it spells, and an empty choice leaves a word out (`(a|)`). Lists
that name each act with each object stay short enough to review, and a word missing from one
line cannot be missing from its twins. Choices that many lines share are named once, as a word
set (`{forging} = (fake|forged|counterfeit)`), and each line names the set (`{forging} ...
passport`): a word added to the set reaches every line, where twelve copies of the choices
would each need it. A set may hold a phrase of choices too (`{vaccine-harm} = (vaccine|vaccines)
(cause|causes) autism`), for a claim that several lines state, each around it.

An entry may leave a gap of a few words between two phrases ("beating ... to death"), for
acts whose object sits in the middle ("beating a homeless man to death"), which no list of
whole phrases can name. Its two parts are whole-word phrases, in that order, with at most
`MAX_GAP_WORDS` words between.

A category may also name a stand-in phrase for the classifier: its matches (the
names of public figures) are replaced by that phrase in the text the classifier
reads, so the classifier judges what the prompt asks to show rather than whom.

An allowlist entry may likewise give the classifier its plain meaning
(`dressed to kill = dressed up elegantly`). Cancelling keyword matches is not enough for
figures of speech: the classifier reads the words too, and "a woman dressed to kill in a
red evening gown" scored 0.97 for graphic violence, "suicide doors on a vintage car" 0.99
for self-harm. Read in plain words, such a prompt is judged by what it asks to show.
An allowlist entry may leave a gap as well, for traps that hold a name or a word in the
middle: "victims of the parkland school shooting" is matched by `victims of the ...
school shooting = people who were lost`, and its reading stands in for the whole span.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cache
from itertools import combinations, islice, product
from math import prod
from operator import itemgetter
from pathlib import Path

import ahocorasick

from safety.normalize import NormalizedText, normalize
from safety.policy import Policy
from safety.verdict import Action, Finding

# Views of a prompt in its own scripts (see NormalizedText), where entries written in those
# scripts are matched: anywhere in a run of an unspaced script, as whole words in the others.
OWN_SCRIPT_VIEWS = ("unspaced", "native")
MAX_MASKED_LETTERS = 3  # "f**k", "n*gg*r"; more hidden letters and the word is a guess
MAX_UNMASKED_READINGS = 16  # of a prompt with several masked words, each of several readings
GAP = " ... "  # between the two parts of an entry with a gap: "beating ... to death"
READS_AS = "="  # in an allowlist entry, before the plain words the classifier reads instead
MAX_GAP_WORDS = 4  # "beating [a young homeless man] to death"; further apart, another sentence
ALLOWLIST = "allowlist"  # the category named in errors about allowlist entries
MAX_SPELLED_ENTRIES = 5_000  # entries one line with choices may stand for; more is a typo
WORD_SET = r"\{([a-z0-9-]+)\}"  # "{forging}" in a line stands for what the set holds
WORD_SET_NAME = re.compile(WORD_SET)
WORD_SET_DEFINITION = re.compile(WORD_SET + r"\s*=(.*)")
ONE_CHOICE_GROUP = re.compile(r"\(([^()]*)\)")


class BlocklistError(RuntimeError):
    """A blocklist the policy names cannot be read."""


@dataclass(frozen=True)
class Term:
    """One blocklist entry, normalised; `prefix` terms also match longer words,
    `needs_context` terms count in full only when the classifier agrees, and an entry in
    a script other than Latin is matched in the view of its `own_script` ("unspaced" for
    "裸体", "native" for "عارية") rather than in the ASCII views. A term with `parts`
    matches them in order with a few words between. A `context_only` term belongs to a
    category the policy allows (a context category, such as children or people you know): it
    says what is shown, not which rule applies."""

    text: str
    category: str
    prefix: bool = False
    needs_context: bool = False
    own_script: str | None = None
    parts: tuple[str, str] | None = None  # an entry with a gap: the phrases on either side
    context_only: bool = False


@dataclass(frozen=True)
class Match:
    """Where a term was found: in which view of the prompt, and at which characters."""

    term: Term
    view: str
    start: int
    end: int


def read_term_lines(path: Path) -> list[str]:
    """The entries of a blocklist file: one a line, `#` starts a comment, and a line with
    choices stands for each entry it spells."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BlocklistError(f"cannot read blocklist {path}: {error}") from None
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    try:
        return spelled_entries(line for line in lines if line)
    except BlocklistError as error:
        raise BlocklistError(f"{path.name}: {error}") from None


def spelled_entries(lines: Iterable[str]) -> list[str]:
    """Each line as the entries it spells: `(a|the) dog` is "a dog" and "the dog"; lines
    that define a word set spell nothing, and the lines that name one spell its choices."""
    word_sets, entry_lines = _word_sets(lines)
    return [entry for line in entry_lines for entry in _spell(_with_word_sets(line, word_sets))]


def _word_sets(lines: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """The word sets the lines define, by name to what each holds (choices, "(fake|forged)",
    or a phrase of them, "(vaccine|vaccines) (cause|causes) autism"), and the other lines. A
    set may be named before or after its definition."""
    word_sets: dict[str, str] = {}
    entry_lines = []
    for line in lines:
        definition = WORD_SET_DEFINITION.match(line)
        if definition is None:
            entry_lines.append(line)
            continue
        name, held = definition.group(1), definition.group(2).strip()
        if not _spells_choices(held):
            raise BlocklistError(
                f'"{line}" defines a word set, but not as "{{name}} = (choice|choice)" '
                "or a phrase of such choices"
            )
        if name in word_sets:
            raise BlocklistError(f'"{line}" defines {{{name}}} a second time')
        word_sets[name] = held
    return word_sets, entry_lines


def _spells_choices(held: str) -> bool:
    """Whether a word set holds a well-formed phrase with at least one set of choices."""
    if "(" not in held or "{" in held or "}" in held:
        return False
    try:
        _spell(held)
    except BlocklistError:
        return False
    return True


def _with_word_sets(line: str, word_sets: dict[str, str]) -> str:
    """The line with each word set it names written out: as it is held, or, named among the
    choices of a pair of parentheses, as its choices there."""

    def written_out(named: re.Match[str]) -> str:
        name = named.group(1)
        if name not in word_sets:
            raise BlocklistError(f'"{line}" names the word set {{{name}}}, which is not defined')
        before = line[: named.start()]
        if before.count("(") == before.count(")"):
            return word_sets[name]
        choices = ONE_CHOICE_GROUP.fullmatch(word_sets[name])
        if choices is None:
            raise BlocklistError(f'"{line}" names {{{name}}}, a phrase, among choices')
        return choices.group(1)

    spelled = WORD_SET_NAME.sub(written_out, line)
    if "{" in spelled or "}" in spelled:
        raise BlocklistError(f'"{line}" has a brace that names no word set; write {{name}}')
    return spelled


def _spell(line: str) -> list[str]:
    pieces: list[list[str]] = []  # the choices for each piece of the line, in order
    rest = line
    while rest:
        before, opening, after = rest.partition("(")
        inside, closing, rest = after.partition(")") if opening else ("", "", "")
        if ")" in before or "(" in inside or (opening and not closing):
            raise BlocklistError(f'"{line}" has a parenthesis without its pair, or one in another')
        if "|" in before:
            raise BlocklistError(f'"{line}" has a "|" outside parentheses')
        if opening and "|" not in inside:
            raise BlocklistError(f'"{line}" has parentheses without choices; separate them by "|"')
        pieces += [[before], inside.split("|")] if opening else [[before]]
    count = prod(len(choices) for choices in pieces)
    if count > MAX_SPELLED_ENTRIES:
        raise BlocklistError(
            f'"{line}" spells {count:,} entries, more than {MAX_SPELLED_ENTRIES:,}; split it'
        )
    return [" ".join("".join(chosen).split()) for chosen in product(*pieces)]


def split_readings(lines: Iterable[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Allowlist entries as phrases, and the `(phrase, plain reading)` pairs of those that
    give the classifier their meaning ("killer whale = orca")."""
    phrases, readings = [], []
    for line in lines:
        phrase, separator, reading = (part.strip() for part in line.partition(READS_AS))
        if separator and not (phrase and reading):
            raise BlocklistError(
                f'{ALLOWLIST}: "{line}" needs a phrase before "{READS_AS}" '
                "and its plain reading after it"
            )
        phrases.append(phrase)
        if reading:
            readings.append((phrase, reading))
    return phrases, readings


@cache
def _normalized_entry(entry: str) -> NormalizedText:
    """A list entry normalised as prompts are, once: entries spelled from choices share their
    parts ("fake ... passport", "fake ... id card"), and the matchers for prompts and negative
    prompts read the same allowlist. Normalising took four fifths of the lists' build time.
    `build_keyword_check` empties the cache when it is done."""
    return normalize(entry)


def parse_terms(lines: Iterable[str], category: str) -> list[Term]:
    """Normalise entries like prompts; a trailing `*` makes a prefix term and a trailing
    `?` a term that needs context (`*?` for both)."""
    terms = []
    marked: dict[str, tuple[bool, str]] = {}  # normalised text -> (needs context, entry)
    for line in lines:
        if GAP.strip() in line:
            terms.append(_gapped_term(line, category))
            continue
        needs_context = line.endswith("?")
        entry = line.removesuffix("?")
        prefix = entry.endswith("*")
        if "*" in entry.rstrip("*"):
            raise BlocklistError(
                f'{category}: "{line}" has an asterisk inside; write the word in full, '
                "masked spellings are matched anyway"
            )
        normalized = _normalized_entry(entry.rstrip("*"))
        own_script = next((view for view in OWN_SCRIPT_VIEWS if getattr(normalized, view)), None)
        if own_script and (
            any(c.isascii() and c.isalnum() for c in entry)
            or (own_script == "unspaced" and (" " in normalized.unspaced or normalized.native))
        ):
            raise BlocklistError(
                f'{category}: "{line}" mixes scripts; list each part on its own line'
            )
        text = getattr(normalized, own_script) if own_script else normalized.leet
        if not text:
            continue
        # "n1ggas" and "niggas?" are one term once normalised; if only one were marked,
        # the unmarked spelling would silently override the mark.
        earlier = marked.setdefault(text, (needs_context, line))
        if earlier[0] != needs_context:
            raise BlocklistError(
                f'{category}: "{earlier[1]}" and "{line}" are the same term ("{text}") once '
                'normalised; mark both or neither with "?"'
            )
        terms.append(
            Term(
                text,
                category,
                prefix=prefix and own_script != "unspaced",
                needs_context=needs_context,
                own_script=own_script,
            )
        )
    return terms


def _gapped_term(line: str, category: str) -> Term:
    """An entry with a gap: two phrases in Latin letters, counting in full."""
    parts = tuple(_normalized_entry(part).leet for part in line.split(GAP))
    if (
        len(parts) != 2
        or not all(parts)
        or any(mark in line for mark in "*?")
        or not line.isascii()
        or line.count(GAP.strip()) != 1
    ):
        raise BlocklistError(
            f'{category}: "{line}" must be two phrases in Latin letters with "{GAP.strip()}" '
            "between them, without * or ?"
        )
    first, second = parts
    return Term(f"{first}{GAP}{second}", category, parts=(first, second))


def _allowed_gap_spellings(phrase: str) -> list[Term]:
    """An allowed phrase with a gap, once for each view of its parts, as for allowed phrases
    without one: a term may be found in any view of a prompt, and squeezed, "hitting her dad
    with a snowball" reads "... with a snowbal"."""
    _gapped_term(phrase, ALLOWLIST)  # refuses a malformed entry
    first, second = (_normalized_entry(part) for part in phrase.split(GAP))
    views = ("plain", "leet", "squeezed", "transliterated")
    pairs = dict.fromkeys((getattr(first, view), getattr(second, view)) for view in views)
    return [Term(f"{a}{GAP}{b}", ALLOWLIST, parts=(a, b)) for a, b in pairs if a and b]


def masked_spellings(text: str, most: int = MAX_MASKED_LETTERS) -> list[str]:
    """`text` with up to `most` letters hidden by asterisks, as people write "f*ck".

    Each word keeps its first and last letter and at least half of its letters, which
    is what makes a masked word readable to people ("p***s" could be many words).
    """
    words = text.split(" ")
    starts = [sum(len(w) + 1 for w in words[:i]) for i in range(len(words))]
    hideable = [
        (index, starts[index] + i)
        for index, word in enumerate(words)
        for i in range(1, len(word) - 1)
        if word[i].isalpha()
    ]
    spellings = []
    for count in range(1, min(most, len(hideable)) + 1):
        for chosen in combinations(hideable, count):
            per_word = Counter(index for index, _ in chosen)
            if any(hidden > len(words[index]) // 2 for index, hidden in per_word.items()):
                continue
            chars = list(text)
            for _, position in chosen:
                chars[position] = "*"
            spellings.append("".join(chars))
    return spellings


def _unmasking_index(terms: Iterable[Term]) -> dict[str, tuple[str, ...]]:
    """Each masked spelling of a word in the terms, with the words it can stand for ("s*x":
    "sex" and "six"). Indexing words rather than whole terms keeps the index small: a
    three-word phrase has over a hundred masked spellings, and lists that name each act
    with each person have thousands of phrases."""
    words = {
        word
        for term in terms
        if term.own_script is None
        for part in term.parts or (term.text,)
        for word in part.split(" ")
    }
    index: dict[str, list[str]] = {}
    for word in sorted(words):
        for masked in masked_spellings(word):
            index.setdefault(masked, []).append(word)
    return {masked: tuple(words) for masked, words in index.items()}


def _unmasked_readings(view: str, index: dict[str, tuple[str, ...]]) -> list[str]:
    """`view` with each masked word read as the listed words it can stand for, one reading
    per combination (at most `MAX_UNMASKED_READINGS`). A word longer than any it can stand
    for is read by its masked beginning ("d*capitated" as "decapitated"), for prefix terms.
    Each reading keeps the view's length, so hits point at the masked words themselves."""
    if "*" not in view:
        return [view]
    choices = []
    for word in view.split(" "):
        stands_for = index.get(word, ())
        if "*" in word and not stands_for:
            beginning = next((n for n in range(len(word) - 1, 2, -1) if word[:n] in index), 0)
            stands_for = tuple(w + word[beginning:] for w in index.get(word[:beginning], ()))
        choices.append(stands_for or (word,))
    return [" ".join(words) for words in islice(product(*choices), MAX_UNMASKED_READINGS)]


def _automaton(phrases: Iterable[tuple[str, object]]) -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    grouped: dict[str, list[object]] = {}
    for key, value in phrases:
        grouped.setdefault(key, []).append(value)
    for key, values in grouped.items():
        automaton.add_word(key, (len(key), tuple(values)))
    automaton.make_automaton()
    return automaton


def _whole_word_hits(
    automaton: ahocorasick.Automaton, text: str, *, prefix_ok: bool, anywhere: bool = False
) -> Iterator[tuple[int, int, tuple[object, ...]]]:
    """Yield (start, end, payloads) of hits that begin and end on word boundaries, or of
    every hit where the script has no word boundaries to respect (`anywhere`)."""
    if len(automaton) == 0:
        return
    for last, (length, payloads) in automaton.iter(text):
        start, end = last - length + 1, last + 1
        if anywhere:
            yield start, end, payloads
        elif start > 0 and text[start - 1] != " ":
            continue
        if end == len(text) or text[end] == " ":
            yield start, end, payloads
        elif prefix_ok:
            yield start, end, tuple(p for p in payloads if getattr(p, "prefix", False))


class KeywordMatcher:
    """All blocklist terms in one automaton, plus the allowlist that cancels traps."""

    def __init__(self, terms: Iterable[Term], allowed_phrases: Iterable[str] = ()) -> None:
        terms = list(terms)
        latin = [term for term in terms if term.own_script is None and term.parts is None]
        self._gap_parts = _gap_part_automaton(terms)
        self._terms = _automaton((term.text, term) for term in latin)
        self._unmasked = _unmasking_index(terms)
        allowed_phrases = list(allowed_phrases)
        gapped = [phrase for phrase in allowed_phrases if GAP.strip() in phrase]
        self._allowed_gaps = _gap_part_automaton(
            spelling for phrase in gapped for spelling in _allowed_gap_spellings(phrase)
        )
        read = {
            phrase: _normalized_entry(phrase)
            for phrase in allowed_phrases
            if GAP.strip() not in phrase
        }
        written = [phrase for phrase, text in read.items() if _read_as_another_word(phrase, text)]
        self._written = _automaton((_fold_each(phrase), phrase) for phrase in written)
        read_as_written = set(written)
        normalized = [text for phrase, text in read.items() if phrase not in read_as_written]
        # Every view of a trap, as a prompt's term may be found in any of them: squeezed,
        # "nude heels" reads "nude hels", and the leet view's phrase would not cancel it.
        allowed = {view for phrase in normalized for view in phrase.views.values()}
        self._allowed = _automaton((phrase, phrase) for phrase in allowed if phrase)
        self._own_script = {
            view: (
                _automaton((term.text, term) for term in terms if term.own_script == view),
                _automaton((p, p) for p in {getattr(phrase, view) for phrase in normalized} if p),
            )
            for view in OWN_SCRIPT_VIEWS
        }

    def find(self, text: NormalizedText) -> list[Match]:
        """Every term found in any view of `text`, minus those inside an allowed phrase."""
        text = self.without_allowed_words(text)
        searches = [
            (name, reading, self._terms, self._allowed)
            for name, view in text.views.items()
            for reading in (
                _unmasked_readings(view, self._unmasked) if name == "masked" else [view]
            )
        ]
        searches += [
            (name, getattr(text, name), *self._own_script[name])
            for name in OWN_SCRIPT_VIEWS
            if getattr(text, name)
        ]
        matches: list[Match] = []
        seen: set[tuple[str, str]] = set()
        # A masked word read two ways ("n*gg*r") is one hit for its category, not two, and
        # the reading that counts in full wins over one that needs context.
        spans: dict[tuple[str, str, int, int], int] = {}
        for view_name, view, terms, allowed_phrases in searches:
            anywhere = view_name == "unspaced"
            allowed = [
                (s, e)
                for s, e, _ in _whole_word_hits(
                    allowed_phrases, view, prefix_ok=False, anywhere=anywhere
                )
            ]
            found = list(_whole_word_hits(terms, view, prefix_ok=True, anywhere=anywhere))
            if view_name not in OWN_SCRIPT_VIEWS:
                allowed += [(s, e) for s, e, _ in _gapped_hits(self._allowed_gaps, view, ())]
                found += _gapped_hits(self._gap_parts, view, allowed)
            hits = [
                (start, end, term)
                for start, end, payloads in found
                if not _cancelled_by_allowed(start, end, allowed, crossing=anywhere)
                for term in _one_per_category(payloads)
            ]
            outranked = _inside_more_specific_hits(hits)
            for index, (start, end, term) in enumerate(hits):
                if index in outranked:
                    continue
                span = (term.category, view_name, start, end)
                if span in spans:
                    earlier = spans[span]
                    if matches[earlier].term.needs_context and not term.needs_context:
                        matches[earlier] = Match(term, view_name, start, end)
                        seen.add((term.category, term.text))
                elif (term.category, term.text) not in seen:
                    seen.add((term.category, term.text))
                    spans[span] = len(matches)
                    matches.append(Match(term, view_name, start, end))
        return matches

    def without_allowed_words(self, text: NormalizedText) -> NormalizedText:
        """`text` read again with the allowed words that are matched as written left out,
        where it holds them so ("góry", not "gory"); `text` itself where it holds none."""
        if not len(self._written):
            return text
        folded = _fold_each(text.written)
        spans = [
            (last + 1 - length, last + 1)
            for last, (length, _) in self._written.iter(folded)
            if not _inside_a_word(folded, last + 1 - length, last + 1)
        ]
        if not spans:
            return text
        chars = list(text.written)
        for start, end in spans:
            chars[start:end] = " " * (end - start)
        return normalize("".join(chars))


# The payload of a phrase that is the second part of some term with a gap.
_SECOND_PART = "second part"


def _gap_part_automaton(terms: Iterable[Term]) -> ahocorasick.Automaton:
    """The first part of each term with a gap, under that term and its second part, and each
    second part once, for `_gapped_hits`. Many terms share a second part ("car" ends every
    "hiding a tracker under her ... car"), and one payload per term made each "car" in a
    prompt cost a step per term: 15 µs a prompt for one list's 600 such terms."""
    gapped = [(term, parts) for term in terms if (parts := term.parts)]
    return _automaton(
        [(first, (term, second)) for term, (first, second) in gapped]
        + [(second, _SECOND_PART) for second in {parts[1] for _, parts in gapped}]
    )


def _gapped_hits(
    automaton: ahocorasick.Automaton, text: str, allowed: Sequence[tuple[int, int]]
) -> list[tuple[int, int, tuple[Term, ...]]]:
    """(start, end, terms) of each entry with a gap whose first part is followed by its
    second, at most `MAX_GAP_WORDS` words later. A part inside an allowed phrase does not
    count ("to death" in "bored to death"). Each first part is paired with the nearest
    second part after it only, and words are counted by bisection, so a long prompt full
    of parts costs a few steps per part found."""
    firsts: list[tuple[int, int, Term, str]] = []  # and the term's second part
    seconds: dict[str, list[tuple[int, int]]] = {}  # by phrase, in the order they start
    for start, end, payloads in _whole_word_hits(automaton, text, prefix_ok=False):
        if _cancelled_by_allowed(start, end, allowed, crossing=False):
            continue
        for payload in payloads:
            if isinstance(payload, tuple):
                firsts.append((start, end, *payload))
            else:
                seconds.setdefault(text[start:end], []).append((start, end))
    if not firsts or not seconds:
        return []
    spaces = [index for index, char in enumerate(text) if char == " "]
    hits = []
    for start, end, term, second in firsts:
        following = seconds.get(second, [])
        nearest = bisect_right(following, end, key=itemgetter(0))
        if nearest == len(following):
            continue
        later_start, later_end = following[nearest]
        if bisect_left(spaces, later_start) - bisect_left(spaces, end) - 1 <= MAX_GAP_WORDS:
            hits.append((start, later_end, (term,)))
    return hits


def _cancelled_by_allowed(
    start: int, end: int, allowed: Sequence[tuple[int, int]], *, crossing: bool
) -> bool:
    """Whether the hit `start:end` lies inside a longer allowed phrase or, where words are
    not spaced (`crossing`), shares letters with one it does not contain: there the
    allowed word says where a word ends. Thai "ภาพโป๊" (a nude picture) is found in
    "ภาพโป๊กเกอร์" (a picture of poker), whose last letters spell "โป๊กเกอร์", poker."""
    return any(
        (s <= start and end <= e and e - s > end - start)
        or (crossing and s < end and start < e and not (start <= s and e <= end))
        for s, e in allowed
    )


def _read_as_another_word(phrase: str, read: NormalizedText) -> bool:
    """Whether an allowed phrase reads in the ASCII views as another word: a foreign word
    that reads as a listed one once its accents go ("góry", mountains, reads "gory"), read
    phonetically ("горы", "gory"), or squeezed (Swedish "kyss", a kiss, reads "kys"; a
    doubled letter there is no stretched spelling). Such a phrase is matched as written,
    as the reading is also the listed word. Phrases of several words keep to the views:
    "maine coon" must also cancel "Maine-Coon"."""
    if not phrase.isascii():
        return bool(read.transliterated)
    return " " not in phrase and read.squeezed != read.leet


def _fold_each(text: str) -> str:
    """`text` case-folded letter by letter, keeping its length (and accents): "GÓRY" is
    "góry"; a letter whose folding is longer ("ß") stays as it is. Every prompt pays
    for this, so the common case is folded in one call."""
    folded = text.casefold()
    if len(folded) == len(text):
        return folded
    return "".join(c if len(letter := c.casefold()) != 1 else letter for c in text)


def _inside_a_word(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` continues a word on either side (letters, digits and
    combining marks make up words)."""
    return any(
        0 <= i < len(text) and unicodedata.category(text[i])[0] in "LMN" for i in (start - 1, end)
    )


def _inside_more_specific_hits(hits: Sequence[tuple[int, int, Term]]) -> set[int]:
    """The hits that lie inside a longer one of another category that counts in full: the
    longer phrase is the more specific rule ("child porn" is sexual content involving
    minors, not sexual content; "revenge porn" is harassment). The words in the gap of an
    entry with one are not part of it ("stabbing a nude woman to death"). A context
    category's phrase is no rule, so it silences nothing: "in a tiny bikini" (a compromising
    scene) leaves "tiny bikini" (a suggestive word) to make a child's prompt sexual content
    involving minors.

    A hit can only lie inside one that starts at most the longest hit's length before it,
    so each hit is compared with those few only: comparing every pair took two minutes for
    a 100,000-character prompt (the largest limit a policy may set)."""
    longest = max((end - start for start, end, _ in hits), default=0)
    by_start = sorted(range(len(hits)), key=lambda index: hits[index][0])
    starts = [hits[index][0] for index in by_start]
    inside = set()
    for index, (start, end, term) in enumerate(hits):
        nearby = by_start[bisect_left(starts, start - longest) : bisect_right(starts, start)]
        if any(
            hits[other][1] >= end
            and hits[other][1] - hits[other][0] > end - start
            and hits[other][2].category != term.category
            and not hits[other][2].needs_context
            and not hits[other][2].context_only
            and hits[other][2].parts is None  # the words in a gap are not its phrase
            for other in nearby
        ):
            inside.add(index)
    return inside


def _one_per_category(terms: Iterable[Term]) -> list[Term]:
    """One term per category for one hit: the same entry may come from two lists of a
    category (its blocklist and its negative-prompt list), or twice from one ("9/11
    hijackers" and "9 11 hijackers" read alike); the one that counts in full wins."""
    chosen: dict[str, Term] = {}
    for term in terms:
        if term.category not in chosen or chosen[term.category].needs_context > term.needs_context:
            chosen[term.category] = term
    return list(chosen.values())


def findings_from_matches(
    matches: Iterable[Match], check: str, context_check: str | None = None
) -> tuple[Finding, ...]:
    """One finding per category and check, citing every term that matched (for moderators
    only). Hits on terms that need context go to `context_check`, when one is given."""
    by_key: dict[tuple[str, str], list[Match]] = {}
    for match in matches:
        reported_by = context_check if match.term.needs_context and context_check else check
        by_key.setdefault((reported_by, match.term.category), []).append(match)
    return tuple(
        Finding(
            check=reported_by,
            category=category,
            score=1.0,
            evidence="; ".join(f'matched "{m.term.text}" in the {m.view} text' for m in found),
        )
        for (reported_by, category), found in by_key.items()
    )


class StandIns:
    """Replaces whole-word matches of some terms with a phrase per term ("a person"); the
    phrase of a term with a gap replaces the whole span, gap included ("victims of the
    parkland school shooting" reads "people who were lost")."""

    def __init__(self, replacements: Iterable[tuple[Term, str]]) -> None:
        replacements = list(replacements)
        self._automaton = _automaton(
            (term.text, phrase) for term, phrase in replacements if not term.parts
        )
        self._gapped = {term: phrase for term, phrase in replacements if term.parts}
        self._gap_parts = _gap_part_automaton(self._gapped)

    def rewrite(self, text: str) -> str:
        """`text` (a normalised view) with each match replaced, longest match first where
        matches overlap ("hunter biden" over "biden")."""
        found = [
            (start, end, phrases[0])
            for start, end, phrases in _whole_word_hits(self._automaton, text, prefix_ok=False)
        ]
        found += [
            (start, end, self._gapped[terms[0]])
            for start, end, terms in _gapped_hits(self._gap_parts, text, ())
        ]
        hits = sorted(found, key=lambda hit: (hit[0], hit[0] - hit[1]))
        pieces, position = [], 0
        for start, end, phrase in hits:
            if start >= position:
                pieces += [text[position:start], phrase]
                position = end
        return "".join(pieces) + text[position:]


class KeywordCheck:
    """The keyword check for prompts and negative prompts under one policy."""

    name = "keywords"
    context_name = "keywords-in-context"
    negative_name = "negative-keywords"

    def __init__(
        self,
        prompt_matcher: KeywordMatcher,
        negative_matcher: KeywordMatcher,
        stand_ins: StandIns | None = None,
    ) -> None:
        self.prompt_matcher = prompt_matcher  # public for audits of the lists
        self._negative = negative_matcher
        self._stand_ins = stand_ins or StandIns(())

    def classifier_text(self, prompt: NormalizedText, latin_only: bool = False) -> str:
        """What the semantic classifier should read: the readable view with stand-ins, and
        without the allowed foreign words whose reading is a listed one ("nudę", Polish for
        boredom, reads "nude"). `latin_only` reads only the words in the ASCII views,
        leaving out those of other scripts."""
        prompt = self.prompt_matcher.without_allowed_words(prompt)
        return self._stand_ins.rewrite(prompt.leet if latin_only else prompt.readable)

    def check(self, prompt: NormalizedText) -> tuple[Finding, ...]:
        return findings_from_matches(self.prompt_matcher.find(prompt), self.name, self.context_name)

    def check_negative(self, negative_prompt: NormalizedText) -> tuple[Finding, ...]:
        """Negative prompts are scanned for steering terms ("clothes" asks for nudity) and,
        where the policy says so, for the category's own terms (slurs). The classifier does
        not read negative prompts, so nothing could supply context there: every term there
        counts in full."""
        return findings_from_matches(self._negative.find(negative_prompt), self.negative_name)


def build_keyword_check(policy: Policy, assets_dir: Path | None = None) -> KeywordCheck:
    """Read every blocklist the policy names; raise BlocklistError if one cannot be read."""
    assets_dir = policy.assets_dir if assets_dir is None else assets_dir
    prompt_terms: list[Term] = []
    negative_terms: list[Term] = []
    stand_ins: list[tuple[Term, str]] = []
    for category in policy.categories:
        if category.blocklist or category.keywords:
            listed = read_term_lines(assets_dir / category.blocklist) if category.blocklist else []
            terms = parse_terms([*listed, *spelled_entries(category.keywords)], category.id)
            if category.action == Action.ALLOW:
                terms = [replace(term, context_only=True) for term in terms]
            prompt_terms += terms
            if category.classifier_stand_in:
                stand_ins += [(term, category.classifier_stand_in) for term in terms]
            if category.scan_negative_prompt:
                negative_terms += terms
        if category.negative_blocklist:
            lines = read_term_lines(assets_dir / category.negative_blocklist)
            negative_terms += parse_terms(lines, category.id)
    listed = read_term_lines(assets_dir / policy.allowlist) if policy.allowlist else []
    allowed, readings = split_readings([*listed, *spelled_entries(policy.allowed_phrases)])
    for phrase, reading in readings:
        stand_ins += [(term, reading) for term in parse_terms([phrase], ALLOWLIST)]
    try:
        return KeywordCheck(
            KeywordMatcher(prompt_terms, allowed),
            KeywordMatcher(negative_terms, allowed),
            StandIns(stand_ins),
        )
    finally:
        _normalized_entry.cache_clear()
