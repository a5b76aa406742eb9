"""Moderator accounts: parsing the Space secret and checking a name and password."""

from __future__ import annotations

import pytest

from safety.moderators import ModeratorConfigError, Moderators, NotAuthorised

ACCOUNTS = "alice:correct-horse-battery, bob:staple-staple-staple\ncarol:c4r0l-passphrase"


def test_entries_split_on_spaces_commas_and_new_lines() -> None:
    moderators = Moderators.parse(ACCOUNTS)
    assert sorted(moderators.passwords) == ["alice", "bob", "carol"]
    assert moderators.enabled


def test_no_accounts_means_no_review_tab() -> None:
    assert not Moderators.parse("").enabled
    assert not Moderators.parse("  \n ").enabled
    assert not Moderators().enabled


def test_a_password_may_contain_colons() -> None:
    moderators = Moderators.parse("dana:pass:word:with:colons")
    assert moderators.authenticate("dana", "pass:word:with:colons") == "dana"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("alice", "entry 1 must be name:password"),
        ("alice:correct-horse-battery bob", "entry 2 must be name:password"),
        ("al ice:correct-horse-battery", "entry 1 must be name:password"),
        ("<script>:correct-horse-battery", "entry 1 must be name:password"),
        ("alice:short", "at least 12 characters"),
        ("alice:correct-horse-battery alice:another-long-password", "listed twice"),
    ],
)
def test_a_malformed_entry_is_refused_naming_it_but_never_its_password(text, says) -> None:
    with pytest.raises(ModeratorConfigError, match=says) as refused:
        Moderators.parse(text)
    for secret in ("correct-horse-battery", "short", "another-long-password"):
        assert secret not in str(refused.value)


def test_the_right_password_signs_in_as_its_owner() -> None:
    moderators = Moderators.parse(ACCOUNTS)
    assert moderators.authenticate("alice", "correct-horse-battery") == "alice"
    assert moderators.authenticate(" bob ", "staple-staple-staple") == "bob"


@pytest.mark.parametrize(
    ("name", "password"),
    [
        ("alice", "staple-staple-staple"),  # another moderator's password
        ("alice", "correct-horse-batter"),
        ("alice", ""),
        ("", "correct-horse-battery"),
        ("mallory", "correct-horse-battery"),
        (None, None),
    ],
)
def test_anything_else_is_refused(name, password) -> None:
    with pytest.raises(NotAuthorised):
        Moderators.parse(ACCOUNTS).authenticate(name, password)


def test_with_no_accounts_nobody_signs_in() -> None:
    with pytest.raises(NotAuthorised):
        Moderators().authenticate("", "")
