"""A moderator in a real browser: signs in on the review tab, finds an appeal, decides it."""

from __future__ import annotations

import re

import pytest

from generation.job import GenerationJob, Mode
from safety.store import ReviewStatus
from tests.conftest import MODERATOR, MODERATOR_PASSWORD
from tests.e2e.conftest import generate

pytestmark = pytest.mark.e2e


def appeal_a_blocked_prompt(page, prompt: str, message: str) -> str:
    """Have `prompt` blocked, ask for a review with `message`; returns the reference."""
    generate(page, prompt)
    page.locator("#txt2img-notice").get_by_text("Blocked:").wait_for(timeout=60_000)
    page.get_by_text("Think a decision was wrong?").click()
    reference = page.locator("#txt2img-reference textarea, #txt2img-reference input").first
    reference.wait_for(timeout=10_000)
    page.get_by_label("Message to the moderators (optional)").fill(message)
    page.click("#txt2img-request-review")
    page.locator("#txt2img-review-status").get_by_text("A moderator will review").wait_for(
        timeout=30_000
    )
    return reference.input_value()


def sign_in(page, password: str) -> None:
    page.get_by_role("tab", name="Review").click()
    page.locator("#review-name").locator("textarea, input").first.fill(MODERATOR)
    page.locator("#review-password input").fill(password)
    page.click("#review-open")


def test_a_moderator_overturns_an_appeal_from_the_review_tab(page, screenshot, service):
    reference_id = appeal_a_blocked_prompt(
        page, "a skull and crossbones flag", "It is for a pirate party invitation."
    )

    sign_in(page, MODERATOR_PASSWORD)
    row = page.locator("#review-queue").get_by_text(reference_id, exact=True).filter(visible=True)
    row.wait_for(timeout=30_000)
    row.click()
    details = page.locator("#review-details textarea")
    page.wait_for_function(
        "el => el.value.includes('pirate party')", arg=details.element_handle(), timeout=30_000
    )
    text = details.input_value()
    assert "Prompt: a skull and crossbones flag" in text and "unsafe-symbol" in text

    page.click("#review-overturn")
    page.locator("#review-status").get_by_text("overturned").wait_for(timeout=30_000)
    item = service.safety.store.review_item(reference_id)
    assert item.status == ReviewStatus.OVERTURNED and item.moderator == MODERATOR
    log = page.locator("#review-log")
    log.get_by_text("review:overturned").filter(visible=True).first.wait_for(timeout=10_000)
    screenshot("review-decided")

    # Would a rephrasing pass? The live policy answers, with its evidence.
    page.get_by_text("Try a prompt under the live policy").click()
    page.locator("#review-try-prompt textarea").fill("a ship flag with an anchor")
    page.click("#review-try")
    verdict = page.locator("#review-verdict textarea")
    page.wait_for_function(
        "el => el.value.startsWith('ALLOW')", arg=verdict.element_handle(), timeout=30_000
    )

    # The person who asked can see the outcome from their notice's reference.
    page.get_by_role("tab", name="Text to image").click()
    page.click("#txt2img-check-review")
    page.locator("#txt2img-review-status").get_by_text("found the decision wrong").wait_for(
        timeout=30_000
    )
    screenshot("review-outcome-seen-by-user")


def test_a_wrong_password_shows_nothing_from_the_queue(page, screenshot, service):
    reference_id = appeal_a_blocked_prompt(page, "a jolly roger flag on a ship", "")

    sign_in(page, "not-the-password")

    page.get_by_text("do not match a moderator").first.wait_for(timeout=30_000)
    assert page.locator("#review-queue").get_by_text(reference_id).filter(visible=True).count() == 0
    assert service.safety.store.review_item(reference_id).status == ReviewStatus.APPEALED
    screenshot("review-refused")


@pytest.fixture(scope="module")
def skull_upload(engine, tmp_path_factory) -> str:
    """A picture of the forbidden symbol, drawn by the bundled model without any checks."""
    job = GenerationJob(
        Mode.TEXT_TO_IMAGE, "a skull and crossbones", "", 21, 20, 6.0, 256, 256, 1, "Euler a"
    )
    path = tmp_path_factory.mktemp("uploads") / "skull.png"
    engine.generate(job)[0].save(path)
    return str(path)


def test_a_moderator_sees_the_blurred_upload_and_takes_it_down(
    page, screenshot, service, skull_upload
):
    page.get_by_role("tab", name="Image to image").click()
    page.locator("#img2img-input input[type=file]").set_input_files(skull_upload)
    page.fill("#img2img-prompt textarea", "a red circle")
    page.click("#img2img-generate")
    page.locator("#img2img-notice").get_by_text("The uploaded image was refused").wait_for(
        timeout=60_000
    )
    [reference_id] = re.findall(r"\b[0-9a-f]{16}\b", page.locator("#img2img-notice").inner_text())
    assert service.safety.store.review_item(reference_id).thumbnails

    sign_in(page, MODERATOR_PASSWORD)
    page.locator("#review-queue").get_by_text(reference_id, exact=True).filter(visible=True).click()
    page.locator("#review-thumbnails img").first.wait_for(timeout=30_000)
    assert "input" in page.locator("#review-details textarea").input_value()
    screenshot("review-tab")

    page.click("#review-takedown")
    page.locator("#review-status").get_by_text("1 image(s) deleted").wait_for(timeout=30_000)
    assert page.locator("#review-thumbnails img").count() == 0
    assert service.safety.store.review_item(reference_id).thumbnails == ()
    page.locator("#review-log").get_by_text("takedown").filter(visible=True).first.wait_for(
        timeout=10_000
    )


def test_a_moderator_adds_a_rule_from_the_review_tab_and_it_is_live_at_once(
    page, screenshot, service
):
    from tests.integration.test_policy_editing import PROMPT, with_spiders

    policies = service.safety.policies
    deployed = policies.file.text
    live_before = policies.revision_id  # other browser tests may have applied edits
    try:
        sign_in(page, MODERATOR_PASSWORD)
        page.get_by_text("Edit the live policy").click()
        page.click("#policy-load")
        editor = page.locator("#policy-editor .cm-content")
        editor.get_by_text("version:").first.wait_for(timeout=30_000)
        editor.click()
        page.keyboard.press("Control+A")
        page.keyboard.insert_text(with_spiders(deployed))

        page.click("#policy-check")
        outcome = page.locator("#policy-outcome textarea")
        page.wait_for_function(
            "el => el.value.includes('new category spiders: block')",
            arg=outcome.element_handle(),
            timeout=60_000,
        )
        assert policies.revision_id == live_before  # checking changes nothing
        page.locator("#policy-note textarea").fill("No spiders this week (arachnophobia month).")
        page.click("#policy-apply")
        page.wait_for_function(
            "el => el.value.startsWith('Applied as revision')",
            arg=outcome.element_handle(),
            timeout=60_000,
        )
        history = page.locator("#policy-history")
        history.get_by_text("arachnophobia month").filter(visible=True).first.wait_for(
            timeout=10_000
        )
        page.locator("#review-log").get_by_text("policy:apply").filter(visible=True).first.wait_for(
            timeout=10_000
        )
        screenshot("policy-applied")

        page.get_by_text("Try a prompt under the live policy").click()
        page.locator("#review-try-prompt textarea").fill(PROMPT)
        page.click("#review-try")
        verdict = page.locator("#review-verdict textarea")
        page.wait_for_function(
            "el => el.value.startsWith('BLOCK') && el.value.includes('spiders')",
            arg=verdict.element_handle(),
            timeout=30_000,
        )
        assert not service.safety.policies.current().check(PROMPT).allowed
    finally:
        if policies.text != deployed:  # the app is shared with the other browser tests
            policies.apply(policies.draft(deployed), MODERATOR, "restore the deployed file")
