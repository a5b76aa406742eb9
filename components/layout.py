"""The whole page: a header and one tab per mode, wired to the service."""

from __future__ import annotations

import gradio as gr

from components.edit_examples import EDIT_EXAMPLES_CSS
from components.image_to_image import image_to_image_tab
from components.inpaint import inpaint_tab
from components.notice import NOTICE_CSS
from components.results import clear_used_seeds
from components.review import review_tab
from components.tab import wire_results
from components.terms_gate import terms_gate, wire_terms_gate
from components.text_to_image import text_to_image_tab
from service.generate import GenerationService
from service.moderation import ModerationDesk
from service.notices import POLICY_URL
from settings import Settings

TITLE = "SafeCanvas"
# Gradio renders pages (and this script) after load, so the browser's own jump to `#rule`
# finds nothing: poll until the rule exists, then scroll to it.
SCROLL_TO_RULE = """<script>
(() => {
  const id = decodeURIComponent(location.hash.slice(1));
  if (!id) return;
  let tries = 0;
  const timer = setInterval(() => {
    const target = document.getElementById(id);
    if (target || ++tries > 100) clearInterval(timer);
    if (target) target.scrollIntoView();
  }, 100);
})();
</script>"""


def theme() -> gr.themes.Base:
    """Gradio's default look, with the heavy faces of its fonts taken from the bold files.

    The default theme loads Source Sans Pro and IBM Plex Mono at weights 400 and 600, and
    the 600 files that Gradio 6.31 ships are cut down (Source Sans Pro's holds 55 glyphs,
    whose only letters are A and B), so every semibold heading drew those two letters in
    another face, small and thin ("Blocked: ..."). The bold files are complete, and weight
    600 text falls back to them.
    """
    return gr.themes.Default(
        font=(
            gr.themes.LocalFont("Source Sans Pro", weights=(400, 700)),
            "ui-sans-serif",
            "system-ui",
            "sans-serif",
        ),
        font_mono=(
            gr.themes.LocalFont("IBM Plex Mono", weights=(400, 700)),
            "ui-monospace",
            "Consolas",
            "monospace",
        ),
    )


def launch_options() -> dict[str, object]:
    """What `launch()` needs beside the Blocks (Gradio 6 takes `theme`, `head` and `css`
    there)."""
    return {"theme": theme(), "head": SCROLL_TO_RULE, "css": NOTICE_CSS + EDIT_EXAMPLES_CSS}


def build_app(service: GenerationService, settings: Settings) -> gr.Blocks:
    limits, concurrency = settings.limits, settings.generation_concurrency
    info = service.model
    # Results live in Gradio's cache only briefly: SafeCanvas keeps no outputs.
    with gr.Blocks(title=TITLE, delete_cache=(600, 3600)) as app:
        gr.Markdown(
            f"# {TITLE}\nGenerate and edit images. Model: `{info.model_id}` "
            f"on {info.device} ({info.dtype}).\n\n{info.card.summary}".rstrip(),
            elem_id="model-summary",
        )
        gate = terms_gate(service)
        with gr.Column(visible=False) as studio, gr.Tabs() as tabs:
            text_tab = text_to_image_tab(service, limits, concurrency)
            image_tab, img2img_input = image_to_image_tab(service, limits, concurrency)
            paint_tab, inpaint_input = inpaint_tab(service, limits, concurrency)
            if settings.moderators.enabled:
                safety = service.safety
                desk = ModerationDesk(
                    settings.moderators, safety.store, safety.limiter, safety.policies
                )
                review_tab(desk, service.client_pseudonym)
        wire_terms_gate(app, gate, studio, service)
        clear_used_seeds(app, [tab.results for tab in (text_tab, image_tab, paint_tab)])
        for tab in (text_tab, image_tab, paint_tab):
            wire_results(
                tab,
                service,
                tabs,
                (image_tab, img2img_input),
                (paint_tab, inpaint_input),
                expose_review_api=tab is text_tab,
            )
    # A stable URL for the rules, so a notice can link straight to one: /policy#<category>.
    with app.route("Usage policy", POLICY_URL):
        gr.Markdown(
            service.safety.policy.usage_policy_path.read_text(encoding="utf-8"),
            elem_id="usage-policy",
        )
    app.queue(default_concurrency_limit=concurrency)
    return app
