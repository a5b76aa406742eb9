"""The mitigation benchmark's cases and policy edits, without a model."""

from __future__ import annotations

from benchmarks.symbol_mitigation import CATEGORY, symbol_cases, symbol_policy_text
from safety.policy import parse_policy
from safety.verdict import Action
from settings import Settings
from training.world import UNSAFE_SYMBOL

POLICY_PATH = Settings().policy_path


def test_symbol_cases_ask_for_the_symbol_in_both_wordings():
    cases = symbol_cases(10, 3)
    assert len(cases) == 10 and {case.shape for case in cases} == {UNSAFE_SYMBOL}
    assert len({case.seed for case in cases}) == 10


def test_the_policy_edit_changes_only_the_symbol_category_s_actions():
    text = POLICY_PATH.read_text(encoding="utf-8")
    before = parse_policy(text, POLICY_PATH)
    after = parse_policy(symbol_policy_text(text, "warn", "block"), POLICY_PATH)
    symbol = after.category(CATEGORY)
    assert (symbol.action, symbol.output_action) == (Action.WARN, Action.BLOCK)
    others = [c for c in after.categories if c.id != CATEGORY]
    assert others == [c for c in before.categories if c.id != CATEGORY]
    assert symbol_policy_text(text, "block", "regenerate") == text
