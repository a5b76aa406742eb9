"""What a policy edit changes, in lines a moderator reads before applying it."""

from __future__ import annotations

from dataclasses import fields
from enum import Enum

from safety.policy import Category, Policy

# Edits that the running app does not pick up by themselves, and what they need.
_PAGE_NOTE = "page settings (title, terms, age gate, usage policy page) apply after a restart"
_SAFE_EXAMPLES_NOTE = (
    "safe examples change what the classifier head is trained on: they take effect after "
    "`python -m safety.train_prompt_classifier`"
)
_TOP_LEVEL = (
    "prompt_checks",
    "max_prompt_chars",
    "allowlist",
    "allowed_phrases",
    "classifier_head",
    "similarity_floor",
    "similarity_ceiling",
    "escalations",
    "input_error_message",
)


def policy_changes(old: Policy, new: Policy) -> list[str]:
    """One line per change from `old` to `new`; empty when they decide alike."""
    lines = []
    if old.version != new.version:
        lines.append(f"version: {old.version} -> {new.version}")
    for name in _TOP_LEVEL:
        was, now = getattr(old, name), getattr(new, name)
        if was != now and name == "allowed_phrases":
            lines.append(f"{name}: {len(was)} -> {len(now)}")
        elif was != now:
            lines.append(f"{name}: {_short(was)} -> {_short(now)}")
    before = {c.id: c for c in old.categories}
    after = {c.id: c for c in new.categories}
    lines += [f"new category {c}: {after[c].action.value}" for c in after if c not in before]
    lines += [f"removed category {c}" for c in before if c not in after]
    for category_id in (c for c in after if c in before):
        lines += _category_changes(before[category_id], after[category_id])
    if old.safe_examples != new.safe_examples:
        lines.append(_SAFE_EXAMPLES_NOTE)
    if old.page != new.page:
        lines.append(_PAGE_NOTE)
    return lines


def _category_changes(old: Category, new: Category) -> list[str]:
    lines = []
    for field in fields(Category):
        was, now = getattr(old, field.name), getattr(new, field.name)
        if was == now:
            continue
        if isinstance(now, tuple):  # examples, keywords: counted, not quoted
            lines.append(f"{new.id}: {field.name} {len(was)} -> {len(now)}")
        else:
            lines.append(f"{new.id}: {field.name} {_short(was)} -> {_short(now)}")
    return lines


def _short(value: object, limit: int = 60) -> str:
    text = " ".join(str(value.value if isinstance(value, Enum) else value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
