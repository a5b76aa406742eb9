from __future__ import annotations

from PIL import Image

from generation.job import GenerationJob, Mode
from generation.metadata import (
    encode_png,
    generation_parameters,
    parameters_text,
    read_parameters,
)


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
