"""What every safety check returns and what the guard decides.

Checks return `Finding`s; a guard folds them into one `Verdict`. Both are plain
frozen data so that the service, the event store and the UI can pass them
around without knowing which check produced them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Action(str, Enum):
    """What to do with a request or an image, from most to least permissive."""

    ALLOW = "allow"
    WARN = "warn"
    # Generate, but steered away from the category (safety guidance); outputs still checked.
    REGENERATE = "regenerate"
    BLOCK = "block"

    @property
    def severity(self) -> int:
        return list(Action).index(self)


@dataclass(frozen=True)
class Finding:
    """One check's opinion about one input.

    `evidence` is for moderators (it may quote the matched term); it is never
    shown to the person who made the request. `at_most` caps what the finding may ask
    for whatever its score, where the check cannot vouch for its reading in full (the
    classifier on a language it was not trained on, say); such a finding also takes
    part in no escalation, which would lift the cap.
    """

    check: str
    category: str
    score: float
    evidence: str = ""
    at_most: Action | None = None


@dataclass(frozen=True)
class Verdict:
    """The combined decision for one input, with the findings behind it.

    `explanation` is for moderators and logs; `message` is what the person who
    made the request may read (it names the rule, never the matched words).
    """

    action: Action
    category: str | None = None
    score: float = 0.0
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    explanation: str = ""
    message: str = ""
    policy_version: str = ""

    @property
    def allowed(self) -> bool:
        """Shown as drawn (perhaps with a warning)."""
        return self.action in (Action.ALLOW, Action.WARN)

    @property
    def refused(self) -> bool:
        """Nothing goes ahead: a regenerate verdict still draws, steered away from its rule."""
        return self.action is Action.BLOCK


ALLOW = Verdict(Action.ALLOW)
