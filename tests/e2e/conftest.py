"""A real Chromium (Debian's package) driven by Playwright, with a fresh profile per session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory) -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed (scripts/test.sh installs it)")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 1000},
        )
        try:
            yield context
        finally:
            context.close()


def accept_terms(page) -> None:
    page.locator("#terms-accept input").check()
    page.locator("#terms-age input").check()
    page.click("#terms-continue")
    page.locator("#txt2img-prompt textarea").wait_for(state="visible", timeout=30_000)


@pytest.fixture
def fresh_page(browser_context, app_url):
    """A page whose browser has forgotten any earlier acceptance of the terms."""
    page = browser_context.new_page()
    page.goto(app_url)
    page.evaluate("localStorage.clear()")
    page.reload()
    page.locator("#terms-continue").wait_for(state="visible", timeout=30_000)
    try:
        yield page
    finally:
        page.close()


@pytest.fixture
def page(browser_context, app_url):
    """A page with the terms accepted (or remembered from an earlier test), ready to use."""
    page = browser_context.new_page()
    page.goto(app_url)
    gate, prompt = page.locator("#terms-continue"), page.locator("#txt2img-prompt textarea")
    gate.or_(prompt).first.wait_for(state="visible", timeout=30_000)
    if gate.is_visible():
        accept_terms(page)
    try:
        yield page
    finally:
        page.close()


def set_seed(page, seed: int) -> None:
    """Fix the seed, so what the bundled model draws (and how its checks score it) repeats.

    A box just shown by opening the accordion is given its default a moment later, and
    a value typed before that is lost (it happened in CI), so type until it stays.
    """
    seed_box = page.locator("#txt2img-seed input")
    if not seed_box.is_visible():
        page.locator("#txt2img-settings").get_by_text("Settings").first.click()
    for _ in range(5):
        seed_box.fill(str(seed))
        seed_box.blur()  # commit the value, as a person moving on to the prompt would
        page.wait_for_timeout(500)
        if seed_box.input_value() == str(seed):
            return
    raise AssertionError(f"the seed box would not keep {seed}")


def generate(page, prompt: str) -> None:
    """Ask the text-to-image tab for `prompt` with a fixed seed."""
    set_seed(page, 1)
    page.fill("#txt2img-prompt textarea", prompt)
    page.click("#txt2img-generate")


def save_screenshot(page, name: str) -> Path:
    """Save what the user sees as a test artifact."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def screenshot(page):
    return lambda name: save_screenshot(page, name)
