"""A model folder's recommended sampler settings, and where the app's controls start."""

from __future__ import annotations

import json

import gradio as gr
import pytest

from components.controls import prompt_controls
from generation.defaults import (
    DEFAULTS_FILE,
    USUAL_SAMPLER,
    SamplerDefaults,
    read_sampler_defaults,
    write_sampler_defaults,
)
from generation.schedulers import DEFAULT_SCHEDULER
from settings import BUNDLED_MODEL_DIR, GenerationLimits
from training.architecture import RECOMMENDED_SAMPLER


def test_a_model_without_a_recommendation_gets_the_usual_settings(tmp_path):
    usual = SamplerDefaults(steps=20, guidance_scale=7.0, scheduler=DEFAULT_SCHEDULER)
    assert read_sampler_defaults(tmp_path) == usual
    assert read_sampler_defaults("org/some-hub-model") == usual


def test_a_folder_recommendation_is_read_and_missing_keys_keep_the_usual_values(tmp_path):
    (tmp_path / DEFAULTS_FILE).write_text(json.dumps({"guidance_scale": 4.5, "scheduler": "DDIM"}))
    assert read_sampler_defaults(tmp_path) == SamplerDefaults(
        steps=20, guidance_scale=4.5, scheduler="DDIM"
    )


def test_written_defaults_read_back_the_same(tmp_path):
    defaults = SamplerDefaults(steps=30, guidance_scale=3.5, scheduler="Euler")
    write_sampler_defaults(defaults, tmp_path)
    assert read_sampler_defaults(tmp_path) == defaults


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("{not json", "sampler_defaults.json"),
        ("[4.0]", "JSON object"),
        (json.dumps({"guidance": 4.0}), "unknown setting(s): guidance"),
        (json.dumps({"scheduler": "Heun"}), "unknown sampler 'Heun'"),
        (json.dumps({"steps": 0}), "steps"),
        (json.dumps({"steps": 2.5}), "steps"),
        (json.dumps({"guidance_scale": -1}), "guidance_scale"),
        (json.dumps({"guidance_scale": "high"}), "guidance_scale"),
        (json.dumps({"inpaint_mask_focus": -1}), "inpaint_mask_focus"),
        (json.dumps({"inpaint_mask_focus": True}), "inpaint_mask_focus"),
    ],
)
def test_a_broken_recommendation_fails_naming_the_file_and_the_problem(
    tmp_path, content, complaint
):
    (tmp_path / DEFAULTS_FILE).write_text(content)
    with pytest.raises(ValueError, match=DEFAULTS_FILE) as error:
        read_sampler_defaults(tmp_path)
    assert complaint in str(error.value)


def test_the_bundled_model_carries_what_its_training_script_recommends():
    assert read_sampler_defaults(BUNDLED_MODEL_DIR) == RECOMMENDED_SAMPLER
    assert RECOMMENDED_SAMPLER != USUAL_SAMPLER


def test_the_controls_start_at_the_models_recommendation():
    recommended = SamplerDefaults(steps=30, guidance_scale=4.5, scheduler="DDIM")
    with gr.Blocks():
        controls = prompt_controls(GenerationLimits(), "txt2img", recommended)
    assert controls.steps.value == 30
    assert controls.guidance_scale.value == 4.5
    assert controls.scheduler.value == "DDIM"
