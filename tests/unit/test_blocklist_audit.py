"""The shipped blocklists against the 100,000 most frequent English words (wordfreq).

The matcher reads leetspeak and undoes stretched letters, so an entry can block a word
that nobody wrote into a list: "c00n" read as "coon" blocked "a maine coon cat", "xxx"
shortened to "xx" blocked "the roman numeral XX", and "seeks" squeezed to "seks"
blocked "a knight who seeks the holy grail". An everyday word may be blocked only by an
entry written as that very word, where a reviewer of the list can see it.
"""

from __future__ import annotations

import pytest
from wordfreq import top_n_list

from safety.keywords import (
    KeywordMatcher,
    build_keyword_check,
    parse_terms,
    read_term_lines,
    spelled_entries,
)
from safety.normalize import normalize, to_words
from safety.verdict import Action

EVERYDAY_WORDS = top_n_list("en", 100_000)
# Words that appear only inside a fixed phrase, which is checked in their place.
CHECKED_IN_THEIR_PHRASE = {"annus": "annus horribilis"}


def as_written(entry: str) -> str:
    """An entry in words, without its `?` and `*` marks, and otherwise as the list spells it."""
    return to_words(entry.removesuffix("?").rstrip("*").lower())


def entries(policy, category) -> list[str]:
    listed = policy.assets_dir / category.blocklist if category.blocklist else None
    return [*(read_term_lines(listed) if listed else []), *spelled_entries(category.keywords)]


def written_entries(policy) -> dict[str, set[str]]:
    """Each acting category's entries as written. Context categories (public figures,
    minors) act only beside another finding."""
    return {
        category.id: {as_written(entry) for entry in entries(policy, category)}
        for category in policy.categories
        if category.action is not Action.ALLOW
    }


def hidden_hits(matcher: KeywordMatcher, written: dict[str, set[str]], text: str) -> list[str]:
    """Full-count hits in the categories of `written`, unless an entry of the category
    spells the very words of `text` that it matched."""
    prompt = normalize(text)
    matches = [
        match
        for match in matcher.find(prompt)
        if match.term.category in written and not match.term.needs_context
    ]
    spelled = {
        match.term.category
        for match in matches
        if match.view == "plain"
        and prompt.plain[match.start : match.end] in written[match.term.category]
    }
    return [
        f'"{text}" -> "{match.term.text}" ({match.term.category}, {match.view} view)'
        for match in matches
        if match.term.category not in spelled
    ]


def test_no_everyday_word_is_blocked_by_an_entry_written_otherwise(policy):
    written = written_entries(policy)
    matcher = build_keyword_check(policy).prompt_matcher
    hits = [
        hit
        for word in EVERYDAY_WORDS
        for hit in hidden_hits(matcher, written, CHECKED_IN_THEIR_PHRASE.get(word, word))
    ]
    assert hits == []


@pytest.mark.parametrize(("entry", "word"), [("c00n", "coon"), ("ch1nk", "chink"), ("xxxx", "xxx")])
def test_the_audit_finds_an_everyday_word_behind_a_disguised_entry(entry, word):
    matcher = KeywordMatcher(parse_terms([entry], "hate"))
    assert hidden_hits(matcher, {"hate": {as_written(entry)}}, word)
    assert not hidden_hits(matcher, {"hate": {word}}, word)


# Languages whose words the lists met: written in Cyrillic or Greek and read phonetically,
# written with accents that the matcher drops ("nüde" is a disguise, "góry" is not), or with
# doubled letters that it squeezes ("nuuude" is a disguise, Swedish "kyss" is a kiss). Every
# language in Latin letters that wordfreq covers, and those in Cyrillic and Greek.
OTHER_LANGUAGES = ("ru", "uk", "bg", "mk", "el", "pl", "tr", "cs", "sk", "hu", "ro", "vi", "da")
OTHER_LANGUAGES += ("de", "fr", "es", "pt", "it", "sv", "nb", "nl", "fi", "id", "ms", "ca")
OTHER_LANGUAGES += ("lt", "lv", "sl", "sh", "fil", "is")
OTHER_WORDS = {language: top_n_list(language, 20_000) for language in OTHER_LANGUAGES}
# What the lists catch among those languages' 20,000 most frequent words written beyond
# ASCII, each read and found to be the word for what its list names.
CAUGHT_BEYOND_ASCII = {
    *("cocaïne", "décapité", "nudité", "pornografía", "pornó", "pornô", "pédophile", "pénis"),
    *("pênis", "sikiş", "suicidé", "torturé", "çıplak", "érection", "πορνό", "анальний"),
    *("вагина", "голые", "голый", "пенис", "порно", "секс", "сексът", "порнографија"),
    *("dezbrăcat", "eròtic", "meztelenül", "nahý", "nøgenbilleder", "nøgenhed", "nøgne"),
    *("pornós", "pornót", "pucér", "γυμνά", "γυμνόσ", "γυμνοί", "γυμνή", "γυμνέσ", "γυμνό"),
    *("samobójstw", "samobójstwa", "samobójstwo", "suicidó", "suicídio", "suïcida", "suïcidar"),
    *("suïcidat", "suïcidi", "самоубийства", "самоубийство", "самоубийством", "самоубийството"),
    *("samovraždu", "sebevražda", "sebevraždu", "självmord", "öngyilkosság", "öngyilkosságot"),
}


def test_everyday_words_of_other_languages_do_not_read_as_listed_ones(policy):
    """Before, 18 of these words were blocked: "горы" (mountains) read "gory" and "раки"
    (crayfish) "paki"; Polish "góry" (mountains) read "gory" once its accent went, and
    Vietnamese "nữa" (more) "nua". A new hit here must be read, then listed above or
    allowlisted as written."""
    acting = {c.id for c in policy.categories if c.action is not Action.ALLOW}
    matcher = build_keyword_check(policy).prompt_matcher
    caught = {
        word
        for words in OTHER_WORDS.values()
        for word in words
        if not word.isascii()
        and any(
            m.term.category in acting and not m.term.needs_context
            for m in matcher.find(normalize(word))
        )
    }
    assert caught == CAUGHT_BEYOND_ASCII


def test_everyday_words_of_other_languages_in_ascii_are_blocked_only_as_written(policy):
    """As for English words above. Before, Swedish "kyss" (a kiss) was squeezed to "kys" and
    "en kyss i regnet" blocked as harassment, and Norwegian "kikke" (to peek) read as a
    slur; they are on the allowlist now, matched as written."""
    written = written_entries(policy)
    matcher = build_keyword_check(policy).prompt_matcher
    hits = [
        f"{language}: {hit}"
        for language, words in OTHER_WORDS.items()
        for word in words
        if word.isascii()
        for hit in hidden_hits(matcher, written, word)
    ]
    assert hits == []
