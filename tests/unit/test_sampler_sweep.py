"""The sampler sweep's settings are read the way they are written on its command line."""

from __future__ import annotations

from dataclasses import replace

import pytest

from benchmarks.sampler_sweep import SWEPT, parse_setting
from benchmarks.shapes_quality import MODEL_DIR
from generation.defaults import SamplerDefaults, read_sampler_defaults


def test_a_setting_names_sampler_guidance_and_steps():
    assert parse_setting("DPM++ 2M Karras:7.5:30") == SamplerDefaults(30, 7.5, "DPM++ 2M Karras")


def test_every_default_setting_parses_and_includes_the_bundled_recommendation():
    parsed = [parse_setting(text) for text in SWEPT]
    # The sweep draws text-to-image only, so inpainting's mask focus is not among its settings.
    assert replace(read_sampler_defaults(MODEL_DIR), inpaint_mask_focus=0.0) in parsed


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("DPM++ 2M:4", "sampler:guidance:steps"),
        ("Heun:4:20", "unknown sampler"),
        ("DPM++ 2M:four:20", "could not convert"),
        ("DPM++ 2M:4:0", "steps must be"),
    ],
)
def test_a_bad_setting_is_refused_with_the_text_that_was_given(text, complaint):
    with pytest.raises(ValueError, match=complaint) as error:
        parse_setting(text)
    assert text in str(error.value)
