from __future__ import annotations

from dataclasses import replace

from PIL import Image

from generation.job import GenerationJob, Mode
from generation.metadata import (
    encode_png,
    generation_parameters,
    parameters_text,
    read_parameters,
)
from generation.safety_guidance import SafetyGuidance


def job(mode: Mode = Mode.TEXT_TO_IMAGE) -> GenerationJob:
    return GenerationJob(mode, "a red circle", "blue", 7, 20, 7.5, 256, 256, 2, "DDIM", 0.4)


def test_parameters_name_the_seed_of_each_image():
    assert generation_parameters(job(), 1, "m")["seed"] == 8


def test_png_round_trips_its_parameters():
    parameters = generation_parameters(job(Mode.INPAINT), 0, "shapes")
    png = encode_png(Image.new("RGB", (16, 16)), parameters, {"extra": "x"})
    assert read_parameters(png) == parameters
    assert parameters["strength"] == 0.4 and parameters["mask_blur"] == 0


def test_text_form_is_the_one_other_tools_read():
    text = parameters_text(generation_parameters(job(), 0, "shapes"))
    assert text.splitlines()[0] == "a red circle"
    assert "Negative prompt: blue" in text
    assert "Steps: 20, Sampler: DDIM, CFG scale: 7.5, Seed: 7, Size: 256x256" in text


def test_plain_png_has_no_parameters():
    import io

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG")
    assert read_parameters(buffer.getvalue()) == {}


def test_an_inpainting_mask_focus_is_part_of_how_an_image_was_made():
    parameters = generation_parameters(replace(job(Mode.INPAINT), mask_focus=4.0), 0, "shapes")
    assert parameters["mask_focus"] == 4.0
    assert "Mask focus: 4.0" in parameters_text(parameters)
    assert "mask_focus" not in generation_parameters(job(Mode.INPAINT), 0, "shapes")


def test_safety_guidance_is_part_of_how_an_image_was_made():
    guided = replace(job(), safety_guidance=SafetyGuidance("skull and crossbones"))
    parameters = generation_parameters(guided, 0, "shapes")
    assert parameters["safety_guidance"] == "skull and crossbones"
    assert "Safety guidance: skull and crossbones" in parameters_text(parameters)
    assert "safety_guidance" not in generation_parameters(job(), 0, "shapes")
