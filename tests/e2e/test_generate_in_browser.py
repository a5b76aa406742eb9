"""What a person sees in a browser: an image for an allowed prompt, a notice for a blocked one,
both for a prompt that only warns."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import generate, set_seed

pytestmark = pytest.mark.e2e


def test_allowed_prompt_shows_an_image_and_the_seed_used(page, screenshot):
    seed = page.locator("#txt2img-used-seed input")
    # Before any run the box is empty, not a seed 0 that was never used.
    assert seed.input_value() == ""
    generate(page, "a red circle on a blue background")
    page.wait_for_selector("#txt2img-gallery img", timeout=60_000)
    seed.wait_for(timeout=10_000)
    assert seed.input_value().isdigit()
    screenshot("allowed-prompt")


def test_the_page_says_what_the_model_draws_and_offers_its_example_prompts(page):
    """The bundled model's card: a newcomer learns its words before typing one it lacks."""
    summary = page.locator("#model-summary")
    expect(summary).to_contain_text("a circle, square, triangle or star")
    expect(summary).to_contain_text('"navy"')
    page.get_by_text("a big yellow star at the top left", exact=True).click()
    # Gradio fills the box a moment after the click: wait for it rather than read it once.
    expect(page.locator("#txt2img-prompt textarea")).to_have_value(
        "a big yellow star at the top left", timeout=10_000
    )


def test_blocked_prompt_shows_a_notice_naming_the_rule(page, screenshot):
    generate(page, "a skull and crossbones flag")
    notice = page.locator("#txt2img-notice")
    notice.get_by_text("Blocked:").wait_for(timeout=60_000)
    text = notice.inner_text()
    assert "Forbidden symbols" in text and "Reference" in text
    assert page.locator("#txt2img-gallery img").count() == 0
    assert page.locator("#txt2img-notice [role=alert]").count() == 1
    screenshot("blocked-prompt")


# Letters that the page's text font at `weight` lacks: drawn with that font first and
# then two different fallbacks, a letter the font has is the same width both times.
LETTERS_THE_FONT_LACKS = """async (weight) => {
  const heading = document.querySelector("h1");
  const family = getComputedStyle(heading).fontFamily.split(",")[0];
  const context = document.createElement("canvas").getContext("2d");
  const width = async (fallback, letter) => {
    const font = `${weight} 40px ${family}, ${fallback}`;
    await document.fonts.load(font, letter);
    context.font = font;
    return context.measureText(letter).width;
  };
  const lacking = [];
  for (const letter of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") {
    if ((await width("monospace", letter)) !== (await width("serif", letter))) lacking.push(letter);
  }
  return lacking.join("");
}"""


@pytest.mark.parametrize("weight", [400, 600])
def test_the_text_font_draws_every_letter_at_regular_and_semibold_weight(page, weight):
    """Gradio's own semibold file holds A and B and no other letter, so headings such as
    a notice's "Blocked: ..." mixed two typefaces in one word."""
    assert page.evaluate(LETTERS_THE_FONT_LACKS, weight) == ""


def test_a_named_public_figure_shown_harmed_gets_the_deception_notice(page, screenshot):
    generate(page, "emma watson in lingerie")
    notice = page.locator("#txt2img-notice")
    notice.get_by_text("Blocked:").wait_for(timeout=60_000)
    text = notice.inner_text()
    assert "Deceptive depictions of real public figures" in text
    assert "emma watson" not in text.lower()  # the notice names the rule, not the person
    assert page.locator("#txt2img-gallery img").count() == 0
    screenshot("public-figure-blocked")


@pytest.mark.parametrize(
    ("prompt", "rule", "anchor"),
    [
        (
            "a man punching his wife in the face in the kitchen",
            "Domestic and child abuse",
            "domestic-abuse",
        ),
        (
            "a poster saying vaccines cause autism, official cdc logo",
            "Health misinformation",
            "health-misinformation",
        ),
    ],
)
def test_a_rule_without_a_trained_head_names_itself_and_links_its_section(
    page, screenshot, prompt, rule, anchor
):
    """Domestic abuse and health misinformation are scored by their lists and examples alone,
    as a Space owner's new category would be; their notices still name them and link their own
    sections."""
    generate(page, prompt)
    notice = page.locator("#txt2img-notice")
    notice.get_by_text("Blocked:").wait_for(timeout=60_000)
    assert rule in notice.inner_text()
    link = notice.get_by_role("link", name="Read this rule in the usage policy")
    assert link.get_attribute("href").endswith(f"#{anchor}")
    assert page.locator("#txt2img-gallery img").count() == 0
    screenshot(f"{anchor}-blocked")


def test_warned_prompt_shows_the_image_with_a_note(page, screenshot):
    # "fucking" needs context: without the classifier's support it only warns.
    generate(page, "a fucking huge red circle on a blue background")
    page.wait_for_selector("#txt2img-gallery img", timeout=60_000)
    notice = page.locator("#txt2img-notice")
    notice.get_by_text("Note:").wait_for(timeout=10_000)
    assert "were generated" in notice.inner_text()
    assert page.locator("#txt2img-notice [role=status]").count() == 1
    screenshot("warned-prompt")


def test_bad_input_shows_an_error_and_keeps_the_prompt(page, screenshot):
    page.fill("#txt2img-prompt textarea", "   ")
    page.click("#txt2img-generate")
    page.get_by_text("Write a prompt").first.wait_for(timeout=30_000)
    screenshot("bad-input")


def test_request_review_from_a_notice_reaches_the_moderators_queue(page, screenshot, service):
    generate(page, "a jolly roger flag on a ship")
    page.locator("#txt2img-notice").get_by_text("Blocked:").wait_for(timeout=60_000)
    page.get_by_text("Think a decision was wrong?").click()
    reference = page.locator("#txt2img-reference textarea, #txt2img-reference input").first
    reference.wait_for(timeout=10_000)
    reference_id = reference.input_value()
    page.click("#txt2img-request-review")
    page.locator("#txt2img-review-status").get_by_text("A moderator will review").wait_for(
        timeout=30_000
    )
    screenshot("review-requested")
    appealed = [item.reference_id for item in service.safety.store.review_queue("appealed")]
    assert reference_id in appealed


def test_notice_link_opens_the_usage_policy_at_the_rule(page, screenshot):
    generate(page, "a skull and crossbones flag")
    link = page.locator("#txt2img-notice").get_by_role("link", name="Read this rule")
    link.wait_for(timeout=60_000)
    screenshot("blocked-notice")
    with page.expect_popup() as opened:  # Gradio opens Markdown links in a new tab
        link.click()
    policy = opened.value
    policy.wait_for_load_state()
    assert policy.url.endswith("/policy#unsafe-symbol")
    heading = policy.get_by_role("heading", name="Forbidden symbols")
    heading.wait_for(timeout=30_000)
    policy.wait_for_function(
        "document.getElementById('unsafe-symbol').getBoundingClientRect().top < innerHeight",
        timeout=15_000,
    )
    policy.screenshot(path=str(screenshot("blocked-notice").parent / "policy-at-rule.png"))
    policy.close()


def test_notice_is_readable_in_the_dark_theme(page, app_url, screenshot):
    page.goto(f"{app_url}?__theme=dark")
    page.locator("#txt2img-prompt textarea").wait_for(state="visible", timeout=30_000)
    generate(page, "a skull and crossbones flag")
    alert = page.locator("#txt2img-notice [role=alert]")
    alert.wait_for(timeout=60_000)
    colours = alert.evaluate(
        """element => {
            const style = getComputedStyle(element);
            return [style.color, getComputedStyle(document.body).backgroundColor];
        }"""
    )
    text_rgb = [int(part) for part in colours[0][colours[0].index("(") + 1 : -1].split(",")[:3]]
    assert sum(text_rgb) / 3 > 150  # light text on the dark page
    screenshot("blocked-notice-dark")


def test_an_image_showing_the_forbidden_symbol_is_redrawn_and_says_so(page, screenshot, service):
    from tests.integration.test_service_safety import with_symbol_action

    policies = service.safety.policies
    deployed = policies.file.text
    try:
        # A moderator lets symbol prompts through with a warning, so the symbol reaches
        # the output check, whose demo action is to redraw the image steered away from it.
        with_symbol_action(service, "warn")
        generate(page, "a skull and crossbones")
        page.wait_for_selector("#txt2img-gallery img", timeout=60_000)
        notice = page.locator("#txt2img-notice")
        notice.get_by_text("Changed for safety:").wait_for(timeout=10_000)
        text = notice.inner_text()
        assert "Forbidden symbols" in text and "drawn again" in text and "Reference" in text
        assert page.locator("#txt2img-gallery img").count() == 1
        screenshot("redrawn-image")
    finally:
        if policies.text != deployed:  # the app is shared with the other browser tests
            policies.apply(policies.draft(deployed), "moderator", "restore the deployed file")


def test_a_result_sent_to_image_to_image_brings_its_prompts(page, screenshot):
    """The next step starts from the picture and the words that made it."""
    set_seed(page, 1)
    page.fill("#txt2img-prompt textarea", "a big yellow star at the top left")
    page.fill("#txt2img-negative textarea", "pink")
    page.click("#txt2img-generate")
    page.wait_for_selector("#txt2img-gallery img", timeout=60_000)
    page.fill("#txt2img-prompt textarea", "typed after the run")  # not what made the image
    page.get_by_role("button", name="Send to Image to image").first.click()
    expect(page.locator("#img2img-input img").first).to_be_visible(timeout=10_000)
    expect(page.locator("#img2img-prompt textarea")).to_have_value(
        "a big yellow star at the top left", timeout=10_000
    )
    expect(page.locator("#img2img-negative textarea")).to_have_value("pink")
    screenshot("sent-to-image-to-image")


def test_an_inpaint_example_brings_its_picture_and_painted_layer_and_runs(page, screenshot):
    """A newcomer without a picture at hand clicks an example and sees a mask at work."""
    page.get_by_role("tab", name="Inpaint").click()
    expect(page.locator("#inpaint-prompt textarea")).to_have_attribute(
        "placeholder", re.compile("What goes in the painted area")
    )
    prompt = "a blue star on a white background"
    page.locator("#inpaint-examples").get_by_text(prompt).click()
    expect(page.locator("#inpaint-prompt textarea")).to_have_value(prompt, timeout=10_000)
    page.click("#inpaint-generate")
    # Without the painted layer the request is refused ("Paint over the part ...") and the
    # gallery stays empty.
    page.wait_for_selector("#inpaint-gallery img", timeout=60_000)
    expect(page.locator("#inpaint-used-seed input")).not_to_have_value("")
    screenshot("inpaint-example")


def test_on_a_phone_generate_brings_the_results_and_notice_into_view(page):
    """Below the controls, a notice would otherwise appear out of sight, as if nothing had
    happened."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.fill("#txt2img-prompt textarea", "a skull and crossbones flag")
    page.click("#txt2img-generate")
    notice = page.locator("#txt2img-notice").get_by_text("Blocked:")
    notice.wait_for(timeout=60_000)
    expect(notice).to_be_in_viewport()


def test_on_a_wide_screen_generate_leaves_the_page_where_it_is(page):
    """The results are beside the controls; a page that jumps would hide the prompt box.
    (A laptop-height window, so the page can scroll at all.)"""
    page.set_viewport_size({"width": 1280, "height": 700})
    page.fill("#txt2img-prompt textarea", "a skull and crossbones flag")
    page.click("#txt2img-generate")
    page.locator("#txt2img-notice").get_by_text("Blocked:").wait_for(timeout=60_000)
    assert page.evaluate("window.scrollY") == 0


@pytest.mark.parametrize(("tab", "mode"), [("Image to image", "img2img"), ("Inpaint", "inpaint")])
def test_on_a_phone_the_edit_examples_show_every_column(page, screenshot, tab, mode):
    """The headers are the inputs' labels, a sentence long; kept on one line they pushed the
    prompt and the strength off the screen, and nothing said the table scrolled sideways."""
    page.get_by_role("tab", name=tab).click()  # first: narrowing the page redraws the tabs
    page.set_viewport_size({"width": 390, "height": 844})
    table = page.locator(f"#{mode}-examples table")
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    strength = table.locator("td").nth(2).bounding_box()  # first row, last column
    assert strength is not None and strength["x"] + strength["width"] <= 390, strength
    screenshot(f"{mode}-examples-on-a-phone")


def set_slider(page, label: str, value: int) -> None:
    """Type `value` into the number box of the shown slider labelled `label`."""
    box = page.locator(f'input[aria-label="number input for {label}"]').locator("visible=true")
    box.fill(str(value))
    box.press("Enter")


def test_cancel_is_live_only_while_a_generation_runs_and_stops_it(page, screenshot):
    cancel = page.locator("#txt2img-cancel")
    expect(cancel).to_be_disabled()
    set_seed(page, 1)
    # The longest job the tab allows, so that it is still running when Cancel is pressed.
    for label, value in (("Steps", 100), ("Images", 4), ("Width", 1024), ("Height", 1024)):
        set_slider(page, label, value)
    page.fill("#txt2img-prompt textarea", "a red circle on a blue background")
    page.click("#txt2img-generate")
    expect(cancel).to_be_enabled(timeout=10_000)
    results = page.locator("#txt2img-gallery")
    expect(results).to_contain_text("steps", timeout=60_000)  # the progress bar: it runs
    cancel.click()
    expect(cancel).to_be_disabled(timeout=30_000)
    assert results.locator("img").count() == 0
    screenshot("cancelled")
    # The pipeline is free again: a short job runs, and Cancel is off once it is done.
    for label, value in (("Steps", 20), ("Images", 1), ("Width", 256), ("Height", 256)):
        set_slider(page, label, value)
    page.click("#txt2img-generate")
    page.wait_for_selector("#txt2img-gallery img", timeout=60_000)
    expect(cancel).to_be_disabled(timeout=10_000)
