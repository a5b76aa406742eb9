"""The README's API examples run as written against the app, so the README stays true."""

from __future__ import annotations

import re

import pytest

from settings import REPO_ROOT

pytestmark = pytest.mark.integration

README = REPO_ROOT / "README.md"
README_URL = "http://127.0.0.1:7860/"


def api_examples() -> list[str]:
    """The README's Python blocks that talk to the app."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    return [block for block in blocks if "gradio_client" in block]


def endpoint(example: str) -> str:
    """The endpoint an example generates with: its last `api_name`."""
    return re.findall(r'api_name="(/\w+)"', example)[-1]


def test_the_readme_shows_the_api_for_text_to_image_and_inpainting():
    assert {"/txt2img", "/inpaint"} <= {endpoint(example) for example in api_examples()}


@pytest.mark.parametrize("example", api_examples(), ids=endpoint)
def test_readme_api_example_runs_as_written(app_url, example, monkeypatch):
    """Run from the repository root, as a reader of a fresh clone would, against the test
    app instead of the default address."""
    assert README_URL in example
    monkeypatch.chdir(REPO_ROOT)
    names: dict[str, object] = {}
    exec(compile(example.replace(README_URL, app_url), str(README), "exec"), names)
    assert names["notice"] == ""
    assert len(names["gallery"]) == 1
    assert isinstance(names["seed"], int)
