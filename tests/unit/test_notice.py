from __future__ import annotations

from components.notice import render_notice
from safety.verdict import Action, Verdict
from service.notices import Notice, verdict_notice


def test_blocked_notice_is_an_alert_with_rule_link_and_reference():
    html = render_notice(
        Notice(
            "blocked", "Blocked: Hate", "Not allowed.", "Try again.", "hate", "/policy#hate", "ab12"
        )
    )
    assert 'role="alert"' in html and 'href="/policy#hate"' in html
    assert "Blocked: Hate" in html and "<code>ab12</code>" in html


def test_notice_text_is_escaped_and_lighter_kinds_are_status_messages():
    html = render_notice(Notice("rate-limited", "Please wait", "<b>5 s</b>"))
    assert 'role="status"' in html and "&lt;b&gt;" in html and "<b>" not in html
    assert render_notice(None) == ""


def test_a_blocked_prompt_s_notice_carries_the_rule_s_message(policy):
    verdict = Verdict(Action.BLOCK, category="sexual", score=1.0)
    notice = verdict_notice(policy, verdict, "ab12", "prompt")
    assert notice.kind == "blocked" and notice.title == "Blocked: Sexual content"
    assert notice.message == policy.category("sexual").message
    assert notice.policy_link.endswith("#" + policy.category("sexual").anchor)


def test_a_warning_says_the_images_were_made_not_that_the_space_refuses(policy):
    verdict = Verdict(Action.WARN, category="sexual", score=0.6)
    notice = verdict_notice(policy, verdict, "ab12", "prompt")
    assert notice.kind == "warning" and notice.title == "Note: Sexual content"
    assert "were generated" in notice.message
    assert notice.message != policy.category("sexual").message
    assert notice.hint == policy.category("sexual").rephrase_hint


def test_a_redrawn_image_s_notice_says_what_changed_and_links_the_rule(policy):
    verdict = Verdict(Action.REGENERATE, category="unsafe-symbol", score=0.9)
    symbol = policy.category("unsafe-symbol")
    redrawn = verdict_notice(policy, verdict, "ab12", "image")
    assert redrawn.kind == "warning" and redrawn.title == f"Changed for safety: {symbol.name}"
    assert redrawn.message.startswith(symbol.message) and "drawn again" in redrawn.message
    assert redrawn.policy_link.endswith("#" + symbol.anchor) and redrawn.reference_id == "ab12"
    steered = verdict_notice(policy, verdict, "ab12", "prompt")
    assert "may differ from what you asked for" in steered.message


def test_only_a_request_the_person_can_change_gets_the_rule_s_rephrase_hint(policy):
    """An image redrawn by the output check was delivered, and its prompt ("a dog in a
    park") may never have asked for the symbol; a prompt steered or refused, or an image
    withheld, is something the person can rephrase."""
    symbol = policy.category("unsafe-symbol")
    redrawn = Verdict(Action.REGENERATE, category=symbol.id, score=0.9)
    assert verdict_notice(policy, redrawn, "ab12", "image").hint == ""
    assert verdict_notice(policy, redrawn, "ab12", "prompt").hint == symbol.rephrase_hint
    withheld = Verdict(Action.BLOCK, category=symbol.id, score=0.9)
    assert verdict_notice(policy, withheld, "ab12", "image").hint == symbol.rephrase_hint
