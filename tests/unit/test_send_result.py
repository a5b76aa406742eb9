"""Sending a result to another tab takes the picked image and the prompts that made it."""

from __future__ import annotations

import io

import gradio as gr
import pytest
from PIL import Image

from components.handlers import selected_result
from generation.job import GenerationJob, Mode
from generation.metadata import encode_png, generation_parameters


def png(colour: str, prompt: str, negative: str = "") -> bytes:
    job = GenerationJob(Mode.TEXT_TO_IMAGE, prompt, negative, 7, 20, 4.0, 8, 8, 1, "DDIM", 1.0)
    return encode_png(Image.new("RGB", (8, 8), colour), generation_parameters(job, 0, "m"))


def test_the_picked_image_comes_with_the_prompts_in_its_own_metadata():
    pngs = [png("red", "a red circle"), png("blue", "a blue square", "yellow")]
    image, prompt, negative = selected_result(pngs, 1)
    assert image.getpixel((0, 0)) == (0, 0, 255) and image.mode == "RGB"
    assert (prompt, negative) == ("a blue square", "yellow")


def test_a_stale_selection_sends_the_last_image():
    """The gallery may remember a pick from a longer earlier run."""
    _, prompt, _ = selected_result([png("red", "a red circle")], 3)
    assert prompt == "a red circle"


def test_an_image_without_parameters_is_sent_with_empty_prompts():
    plain = io.BytesIO()
    Image.new("RGB", (8, 8)).save(plain, format="PNG")
    assert selected_result([plain.getvalue()], 0)[1:] == ("", "")


def test_nothing_to_send_is_a_message_not_a_crash():
    with pytest.raises(gr.Error, match="Generate an image first"):
        selected_result([], 0)
