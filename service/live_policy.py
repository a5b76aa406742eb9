"""The policy requests are checked under: the owner's file, or a moderator's revision of it.

A moderator edits the policy in the review tab (DESIGN.md: changing a threshold, a message
or a whole category defined by examples takes no code change and no retraining). A draft
goes live only once it parses and every check it names has loaded, so a broken edit never
reaches a request. Revisions live in the shared database, and each replica looks for a
newer one at most every `poll_s` seconds, so an edit made on one replica reaches the others
without a restart. A revision belongs to the file it was edited from: when the owner
deploys a changed file, the file is the policy again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from safety.db import StoreError
from safety.guard import GuardLoadError, PromptGuard
from safety.policy import Policy, PolicyError, parse_policy
from safety.policy_revisions import PolicyRevision, PolicyRevisions

log = logging.getLogger(__name__)

GuardBuilder = Callable[[Policy], PromptGuard]
POLL_S = 30.0


@dataclass(frozen=True)
class Draft:
    """A policy text that parsed and whose checks loaded, ready to go live."""

    text: str
    guard: PromptGuard

    @property
    def policy(self) -> Policy:
        return self.guard.policy


class LivePolicy:
    """Holds the live prompt guard (which carries its policy) and swaps it whole."""

    def __init__(
        self,
        file_text: str,
        source: Path,
        revisions: PolicyRevisions,
        build_guard: GuardBuilder,
        *,
        poll_s: float = POLL_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Load the owner's file and then the newest revision made on top of it. The file
        must load (the app refuses to start otherwise); a saved revision that no longer
        loads, say after an upgrade, is logged and skipped, and the file stays live."""
        self._source = source
        self._revisions = revisions
        self._build_guard = build_guard
        self._poll_s = poll_s
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self.file = self._draft(file_text, source, base=None)
        self._live = self.file
        self._revision_id: int | None = None
        self._unloadable: set[int] = set()  # saved revisions that failed: not retried
        self._checked_at = monotonic()
        self._take(self._newest_saved())

    @property
    def guard(self) -> PromptGuard:
        return self._live.guard

    @property
    def policy(self) -> Policy:
        return self._live.policy

    @property
    def text(self) -> str:
        return self._live.text

    @property
    def revision_id(self) -> int | None:
        """The live revision's id, or None while the owner's file is live."""
        return self._revision_id

    def current(self) -> PromptGuard:
        """The live guard, after looking for a newer revision if `poll_s` has passed."""
        now = self._monotonic()
        if now - self._checked_at >= self._poll_s:
            self._checked_at = now
            self._take(self._newest_saved())
        return self._live.guard

    def draft(self, text: str) -> Draft:
        """Parse `text` and load its checks; `PolicyError` names the line of a mistake,
        `GuardLoadError` the check that cannot load. Nothing goes live."""
        return self._draft(text, Path(f"{self._source.name} (draft)"), base=self.file)

    def apply(self, draft: Draft, moderator: str, note: str) -> PolicyRevision:
        """Make a checked draft the live policy for every replica and record who did it and
        why; `StoreError` if the database refuses, and then nothing changed."""
        revision = self._revisions.save(
            draft.text,
            version=draft.policy.version,
            base_digest=self.file.policy.digest,
            moderator=moderator,
            note=note,
        )
        with self._lock:
            if self._revision_id is None or revision.id > self._revision_id:
                self._live, self._revision_id = draft, revision.id
        log.info(
            "policy %s applied by %s (revision %d)", draft.policy.version, moderator, revision.id
        )
        return revision

    def history(self, limit: int = 20) -> list[PolicyRevision]:
        """Revisions made on top of the deployed file, newest first."""
        return self._revisions.history(self.file.policy.digest, limit)

    def _draft(self, text: str, source: Path, *, base: Draft | None) -> Draft:
        """`source` names the text in error messages; paths resolve in the file's folder.

        An edit of `base` that keeps its version string gets the edit's digest appended, so
        the version each request records tells the deployed file and every edit apart."""
        policy = parse_policy(text, source, self._assets_dir)
        if base and text != base.text and policy.version == base.policy.version:
            policy = replace(policy, version=f"{policy.version}+{policy.digest[:8]}")
        outside = [name for name in policy.files if not _inside(self._assets_dir, name)]
        if outside:
            raise PolicyError(
                f"{source}: files must be inside the policy's folder; outside it: "
                + ", ".join(outside)
            )
        return Draft(text, self._build_guard(policy))

    @property
    def _assets_dir(self) -> Path:
        return self._source.parent

    def _newest_saved(self) -> PolicyRevision | None:
        try:
            return self._revisions.latest(self.file.policy.digest)
        except StoreError as error:
            log.error("cannot read policy revisions; keeping the live policy: %s", error)
            return None

    def _take(self, revision: PolicyRevision | None) -> None:
        """Make a saved revision live unless it is not newer than the live one."""
        if revision is None or revision.id in self._unloadable:
            return
        if (self._revision_id or 0) >= revision.id:
            return
        source = Path(f"{self._source.name} (revision {revision.id})")
        try:
            draft = self._draft(revision.text, source, base=self.file)
        except (PolicyError, GuardLoadError) as error:
            self._unloadable.add(revision.id)
            log.error(
                "policy revision %d cannot load; keeping the live policy: %s", revision.id, error
            )
            return
        with self._lock:
            if (self._revision_id or 0) < revision.id:
                self._live, self._revision_id = draft, revision.id
        log.info("policy revision %d (%s) is live", revision.id, revision.version)


def _inside(folder: Path, name: str) -> bool:
    return (folder / name).resolve().is_relative_to(folder.resolve())
