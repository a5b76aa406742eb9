"""How a notice looks: an accessible alert that names the rule and says what to do next."""

from __future__ import annotations

from html import escape

from service.notices import Notice

# Colours come from Gradio's theme variables, so notices stay readable in light and dark mode.
NOTICE_CSS = """
.sc-notice { border: 2px solid var(--error-border-color, #b91c1c); border-radius: 8px;
  padding: 12px 16px; background: var(--error-background-fill, #fef2f2);
  color: var(--body-text-color); }
.sc-notice.sc-warning, .sc-notice.sc-rate-limited {
  border-color: var(--color-accent, #b45309); background: var(--block-background-fill); }
.sc-notice h3 { margin: 0 0 6px; font-size: 1.1em; color: var(--body-text-color); }
.sc-notice p { margin: 4px 0; }
.sc-notice a { color: var(--link-text-color); text-decoration: underline; }
"""


def render_notice(notice: Notice | None) -> str:
    """HTML for the results panel; empty when there is nothing to say."""
    if notice is None:
        return ""
    role = "alert" if notice.kind == "blocked" else "status"
    parts = [
        f'<div class="sc-notice sc-{escape(notice.kind)}" role="{role}" aria-live="polite">',
        f"<h3>{escape(notice.title)}</h3>",
        f"<p>{escape(notice.message)}</p>",
    ]
    if notice.hint:
        parts.append(f"<p><em>{escape(notice.hint)}</em></p>")
    if notice.policy_link:
        parts.append(
            f'<p><a href="{escape(notice.policy_link)}" target="_blank" rel="noopener">'
            "Read this rule in the usage policy</a></p>"
        )
    if notice.reference_id:
        parts.append(f"<p>Reference: <code>{escape(notice.reference_id)}</code></p>")
    parts.append("</div>")
    return "".join(parts)
