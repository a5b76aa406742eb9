"""The live policy on a real SQLite store: a moderator's edit goes live only once it loads,
reaches every replica, survives a restart, and gives way to a redeployed policy file."""

from __future__ import annotations

import logging
import re

import pytest

from safety.guard import PromptGuard
from safety.policy import PolicyError
from safety.policy_revisions import PolicyRevisions
from tests.unit.conftest import POLICY_FILE, FakeClock, live_policy_on

FILE_TEXT = POLICY_FILE.read_text(encoding="utf-8")
NUDE = "a nude woman on a beach"  # a blocklist hit for the sexual-content category
SEXUAL_BLOCKS = "  - id: sexual\n    name: Sexual content\n"


def sexual_warns(text: str = FILE_TEXT) -> str:
    """The demo policy with sexual content warned about instead of blocked."""
    start = text.index(SEXUAL_BLOCKS)
    action = text.index("    action: block\n", start)
    return text[:action] + "    action: warn\n" + text[action + len("    action: block\n") :]


def verdict_on(guard: PromptGuard, prompt: str = NUDE) -> str:
    return guard.check(prompt).action.value


def test_the_deployed_file_is_live_until_a_moderator_applies_an_edit(live_policy) -> None:
    assert live_policy.revision_id is None and live_policy.text == FILE_TEXT
    assert verdict_on(live_policy.current()) == "block"

    revision = live_policy.apply(live_policy.draft(sexual_warns()), "alice", "trial: warn only")

    assert live_policy.revision_id == revision.id and live_policy.text == sexual_warns()
    assert verdict_on(live_policy.current()) == "warn"
    [saved] = live_policy.history()
    assert (saved.moderator, saved.note, saved.text) == (
        "alice",
        "trial: warn only",
        sexual_warns(),
    )


def test_a_keyword_a_moderator_writes_into_the_policy_blocks_at_once(live_policy) -> None:
    """Blocklist files cannot be edited from the review tab; a category's `keywords` can."""
    prompt = "a ch4insaw on the garage wall"
    assert verdict_on(live_policy.current(), prompt) == "allow"
    edited = FILE_TEXT.replace(
        "  - id: graphic-violence\n", "  - id: graphic-violence\n    keywords: [chainsaw]\n"
    )

    live_policy.apply(live_policy.draft(edited), "alice", "chainsaw pictures are gore here")

    assert verdict_on(live_policy.current(), prompt) == "block"
    assert live_policy.current().check(prompt).category == "graphic-violence"


def test_an_edit_reaches_a_running_replica_within_the_poll_interval(
    store, clock: FakeClock, live_policy
) -> None:
    other = live_policy_on(store, clock)
    live_policy.apply(live_policy.draft(sexual_warns()), "alice", "warn only")

    assert verdict_on(other.current()) == "block"  # looked less than 30 s ago
    clock.advance(30)
    assert verdict_on(other.current()) == "warn"


def test_a_restarted_replica_starts_with_the_newest_edit(store, clock, live_policy) -> None:
    live_policy.apply(live_policy.draft(sexual_warns()), "alice", "warn only")

    restarted = live_policy_on(store, clock)

    assert restarted.revision_id == live_policy.revision_id
    assert verdict_on(restarted.guard) == "warn"


def test_a_redeployed_policy_file_is_live_again_and_starts_its_own_history(
    store, clock, live_policy
) -> None:
    live_policy.apply(live_policy.draft(sexual_warns()), "alice", "warn only")
    redeployed_text = FILE_TEXT.replace('version: "', 'version: "redeployed-', 1)

    redeployed = live_policy_on(store, clock, redeployed_text)

    assert redeployed.revision_id is None and verdict_on(redeployed.guard) == "block"
    assert redeployed.history() == []


def test_a_mistake_names_its_line_and_changes_nothing(live_policy) -> None:
    broken = FILE_TEXT.replace("    block_threshold: 0.94\n", "    block_threshold: 1.94\n", 1)
    line = FILE_TEXT[: FILE_TEXT.index("block_threshold: 0.94")].count("\n") + 1

    with pytest.raises(PolicyError, match=rf"policy.yaml \(draft\):{line}: "):
        live_policy.draft(broken)

    assert live_policy.revision_id is None and live_policy.history() == []


def test_a_policy_may_not_name_files_outside_its_folder(live_policy) -> None:
    outside = FILE_TEXT.replace(
        "allowlist: blocklists/allowlist.txt", "allowlist: ../../etc/passwd"
    )
    with pytest.raises(PolicyError, match=re.escape("outside it: ../../etc/passwd")):
        live_policy.draft(outside)


def test_a_saved_edit_that_no_longer_loads_leaves_the_file_live(store, clock, caplog) -> None:
    """Say an upgrade made an old revision invalid: the replica starts on the file."""
    digest = live_policy_on(store, clock).file.policy.digest
    PolicyRevisions(store.engine, clock=clock).save(
        "categories: [", version="broken", base_digest=digest, moderator="bob", note="x"
    )

    with caplog.at_level(logging.ERROR):
        replica = live_policy_on(store, clock)

    assert replica.revision_id is None and verdict_on(replica.guard) == "block"
    assert "cannot load; keeping the live policy" in caplog.text
