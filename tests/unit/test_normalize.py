from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safety.normalize import (
    coerce_text,
    fold_case_and_width,
    fold_homoglyphs,
    join_spaced_letters,
    normalize,
    read_leetspeak,
    shorten_runs,
    squeeze_runs,
    strip_invisible,
    transliterate,
    unspaced_runs,
)


def test_zero_width_bidi_and_control_characters_are_removed():
    assert strip_invisible("nu\u200bd\u200de\u202e\u2066x\x00y") == "nudexy"


def test_whitespace_controls_still_separate_words():
    assert strip_invisible("a\tb\nc") == "a b c"


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)))
def test_ascii_takes_a_short_way_to_the_same_text(text):
    """ASCII skips the Unicode tables (it halves the time a prompt takes to normalise); a
    letter beyond ASCII after it sends the whole text the long way, which must agree."""
    assert strip_invisible(f"{text}é") == f"{strip_invisible(text)}é"
    assert fold_case_and_width(f"{text}é") == f"{fold_case_and_width(text)}e"
    assert normalize(text).transliterated == normalize(text).plain


def test_full_width_forms_and_case_fold_to_plain_ascii():
    assert normalize("ＮＵＤＥ Photo").plain == "nude photo"


def test_accents_are_dropped():
    assert normalize("Désnudá").plain == "desnuda"


@pytest.mark.parametrize(
    ("disguised", "plain"),
    [("ѕех", "sex"), ("nаkеd", "naked"), ("ΝΟ", "no"), ("Ѕех", "sex")],
)
def test_cyrillic_and_greek_look_alikes_fold_to_latin(disguised, plain):
    assert normalize(disguised).plain == plain


def test_homoglyph_folding_leaves_ascii_alone():
    text = "The quick brown fox 123"
    assert fold_homoglyphs(text) == text


def test_transliteration_reads_other_scripts_phonetically():
    assert transliterate("секс") == "seks"
    assert normalize("секс").transliterated == "seks"


@pytest.mark.parametrize(
    ("leet", "plain"),
    [
        ("n4k3d", "naked"),
        ("b00bs", "boobs"),
        ("$ex", "sex"),
        ("p0rn", "porn"),
        ("k1ll", "kill"),
        ("nud3", "nude"),
        ("5exy", "sexy"),
    ],
)
def test_leetspeak_inside_words_is_read_as_letters(leet, plain):
    assert normalize(leet).leet == plain


@pytest.mark.parametrize(
    ("leet", "plain"),
    [("h473", "hate"), ("7h353 r475", "these rats"), ("5h17", "shit"), ("1d34", "idea")],
)
def test_a_word_with_one_letter_left_is_read_when_it_gives_a_known_word(leet, plain):
    assert normalize(leet).leet == plain


@pytest.mark.parametrize(
    "text",
    ["3 cats", "4k wallpaper", "1920s car", "3d render", "1 2 3", "1080p", "8080", "7175", "x100"],
)
def test_numbers_that_are_not_leetspeak_stay(text):
    assert read_leetspeak(text) == text


@pytest.mark.parametrize("spaced", ["n u d e", "n.u.d.e", "n-u-d-e", "n_u_d_e", "n..u..d..e"])
def test_separators_inside_a_word_are_joined(spaced):
    assert normalize(spaced).plain == "nude"


def test_a_different_gap_keeps_spaced_words_apart():
    assert join_spaced_letters("n u d e  w o m a n") == "nude  woman"
    assert normalize("n.u.d.e w.o.m.a.n").plain == "nude woman"


def test_ordinary_two_letter_words_are_not_joined():
    assert normalize("I am a b").plain == "i am a b"


def test_a_leading_article_stays_apart_from_a_spaced_word():
    assert normalize("a n u d e woman").plain == "a nude woman"


def test_repeated_letters_are_shortened_and_squeezed():
    assert shorten_runs("nuuuude boooobs") == "nuude boobs"
    assert squeeze_runs("nuude sexxx") == "nude sex"
    assert normalize("nuuuude").squeezed == "nude"


def test_a_word_of_one_repeated_letter_keeps_three():
    assert shorten_runs("xxxxx xxx xx zzzz") == "xxx xxx xx zzz"
    assert normalize("an XXXX film").plain == "an xxx film"


def test_squeezing_leaves_known_words_alone():
    """ "seeks" squeezed would read "seks", the Russian word for sex."""
    assert squeeze_runs("a knight who seeks the grail") == "a knight who seeks the grail"
    assert normalize("seeks nuuude").squeezed == "seeks nude"


def test_lone_surrogates_and_invalid_bytes_become_replacement_characters():
    assert coerce_text("a\ud800b") == "a\ufffdb"
    assert coerce_text(b"a\xffb") == "a\ufffdb"
    assert normalize("a\udfffb").plain == "a b"


def test_views_lists_each_distinct_view_once():
    views = normalize("a cat").views
    assert views == {"plain": "a cat"}
    assert set(normalize("n4k3d").views) == {"plain", "leet"}


def test_scripts_written_without_spaces_keep_their_own_view():
    prompt = normalize("海滩上的裸体女人, photo")
    assert prompt.unspaced == "海滩上的裸体女人"
    assert "unspaced" not in prompt.views  # the views are ASCII words
    assert normalize("a nude woman").unspaced == ""


def test_spaces_and_punctuation_inside_an_unspaced_word_are_dropped():
    assert unspaced_runs("裸 体") == unspaced_runs("裸.体") == "裸体"
    assert unspaced_runs("裸 and 体") == "裸 体"  # a word in another script is a gap
    assert unspaced_runs("ﾇｰﾄﾞ") == ""  # half-width kana count once NFKC has run
    assert normalize("ﾇｰﾄﾞ").unspaced == "ヌード"


def test_scripts_that_lose_too_much_in_latin_letters_keep_their_own_words():
    prompt = normalize("امرأة عـــارية, photo")  # a tatweel stretches the second word
    assert prompt.native == "امرأة عارية photo"
    assert normalize("عَارِيَة").native == "عارية"  # optional vowel marks go
    assert normalize("a nude woman").native == ""


def test_words_wholly_in_a_script_with_its_own_view_stay_out_of_the_ascii_views():
    """Arabic "كيس" (a bag) read "kys"; the classifier still reads it in Latin letters."""
    prompt = normalize("كيس من التفاح and a nude 裸体")
    assert prompt.views == {"plain": "and a nude"}
    assert prompt.readable == "kys mn ltfh and a nude luoti"


def test_real_cyrillic_and_greek_words_are_read_phonetically_only():
    """A word with a letter that imitates no Latin one is no disguise: folded, "раки"
    (crayfish) read "paki" and "горы" (mountains) "ropy"."""
    prompt = normalize("раки и горы, a nude νερό")
    assert prompt.plain == "a nude"
    assert prompt.transliterated == "raki i gory a nude nero"
    assert prompt.readable == "paki i ropy a nude vepo"  # what the classifier was trained on


@pytest.mark.parametrize(
    ("disguised", "plain"), [("ѕех", "sex"), ("горе", "rope"), ("nаkеd", "naked")]
)
def test_words_made_only_of_look_alikes_are_still_folded(disguised, plain):
    assert normalize(disguised).plain == plain


@pytest.mark.parametrize(
    ("text", "share"),
    [
        ("a nude woman", 0.0),
        ("ѕех", 0.0),
        ("голая женщина", 1.0),
        ("裸体 nude", 2 / 6),
        ("عارية", 1.0),
    ],
)
def test_the_share_of_letters_in_words_left_out_of_the_ascii_views(text, share):
    assert normalize(text).other_script_share == pytest.approx(share)


def test_empty_and_symbol_only_prompts_give_empty_views():
    assert normalize("").plain == ""
    assert normalize("!!! \u200b ...").plain == ""


@pytest.mark.parametrize(
    ("text", "masked"),
    [("f*ck this", "f*ck this"), ("N**E woman", "n**e woman"), ("n*gg*r", "n*gg*r")],
)
def test_asterisks_inside_words_stay_in_the_masked_view(text, masked):
    assert normalize(text).masked == masked


@pytest.mark.parametrize("text", ["**bold** words", "4*4 grid", "a *star* shape", "rated *"])
def test_asterisks_outside_words_add_no_masked_view(text):
    assert "masked" not in normalize(text).views
