"""The terms gate in a real browser: nothing can be generated until the terms are accepted."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import save_screenshot, set_seed

pytestmark = pytest.mark.e2e


def test_terms_gate_blocks_generation_until_accepted_and_is_remembered(fresh_page):
    page = fresh_page
    assert not page.locator("#txt2img-generate").is_visible()
    save_screenshot(page, "terms-gate")

    page.click("#terms-continue")
    page.locator("#terms-error").get_by_text("accept the terms").wait_for(timeout=10_000)
    page.locator("#terms-accept input").check()
    page.click("#terms-continue")
    page.locator("#terms-error").get_by_text("or older").wait_for(timeout=10_000)
    assert not page.locator("#txt2img-generate").is_visible()

    page.locator("#terms-age input").check()
    page.click("#terms-continue")
    page.locator("#txt2img-generate").wait_for(state="visible", timeout=30_000)
    assert not page.locator("#terms-continue").is_visible()

    page.reload()  # the choice is kept in the browser and re-stated to the server
    page.locator("#txt2img-generate").wait_for(state="visible", timeout=30_000)
    assert not page.locator("#terms-continue").is_visible()
    set_seed(page, 1)
    page.fill("#txt2img-prompt textarea", "a green star")
    page.click("#txt2img-generate")
    page.wait_for_selector("#txt2img-gallery img", timeout=60_000)
