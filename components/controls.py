"""The generation controls every tab shares: prompt, negative prompt, seed and sampler settings."""

from __future__ import annotations

from dataclasses import dataclass, fields

import gradio as gr

from generation.defaults import SamplerDefaults
from generation.schedulers import SCHEDULERS
from settings import GenerationLimits


@dataclass(frozen=True)
class PromptControls:
    prompt: gr.Textbox
    negative_prompt: gr.Textbox
    seed: gr.Number
    steps: gr.Slider
    guidance_scale: gr.Slider
    scheduler: gr.Dropdown
    num_images: gr.Slider

    # Field names equal GenerationRequest's, so values map onto a request by name.
    def inputs(self) -> list[gr.components.Component]:
        """The controls in field order: what each tab's handler receives first."""
        return [getattr(self, field.name) for field in fields(self)]


def prompt_fields(*values: object) -> dict[str, object]:
    """The shared controls' values (in `PromptControls.inputs()` order) as request fields."""
    return dict(zip((field.name for field in fields(PromptControls)), values, strict=True))


PICTURE_HINT = "Describe the picture, e.g. a red circle on a blue background"


def prompt_controls(
    limits: GenerationLimits,
    mode: str,
    sampler: SamplerDefaults,
    prompt_hint: str = PICTURE_HINT,
) -> PromptControls:
    """The shared controls; steps, guidance and sampler start where the model recommends."""
    prompt = gr.Textbox(
        label="Prompt",
        placeholder=prompt_hint,
        lines=2,
        max_length=limits.max_prompt_chars,
        elem_id=f"{mode}-prompt",
    )
    negative_prompt = gr.Textbox(
        label="Negative prompt",
        placeholder="What the picture should not contain",
        lines=1,
        max_length=limits.max_prompt_chars,
        elem_id=f"{mode}-negative",
    )
    with gr.Accordion("Settings", open=False, elem_id=f"{mode}-settings"):
        seed = gr.Number(
            label="Seed (-1 or empty: random)",
            value=-1,
            precision=0,
            elem_id=f"{mode}-seed",
        )
        with gr.Row():
            steps = gr.Slider(1, limits.max_steps, value=sampler.steps, step=1, label="Steps")
            guidance_scale = gr.Slider(
                0,
                limits.max_guidance,
                value=sampler.guidance_scale,
                step=0.5,
                label="Guidance scale",
            )
        with gr.Row():
            scheduler = gr.Dropdown(list(SCHEDULERS), value=sampler.scheduler, label="Sampler")
            num_images = gr.Slider(1, limits.max_images, value=1, step=1, label="Images")
    return PromptControls(
        prompt, negative_prompt, seed, steps, guidance_scale, scheduler, num_images
    )


def action_buttons(mode: str) -> tuple[gr.Button, gr.Button]:
    """Generate and Cancel, side by side; Cancel starts off (see `components.tab.on_generate`)."""
    with gr.Row():
        generate = gr.Button("Generate", variant="primary", elem_id=f"{mode}-generate")
        cancel = gr.Button("Cancel", variant="stop", interactive=False, elem_id=f"{mode}-cancel")
    return generate, cancel
