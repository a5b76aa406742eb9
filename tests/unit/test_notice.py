from __future__ import annotations

from components.notice import render_notice
from service.notices import Notice


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
