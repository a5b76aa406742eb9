"""The Text to image tab."""

from __future__ import annotations

import gradio as gr

from components.controls import action_buttons, prompt_controls, prompt_fields
from components.handlers import run_generation
from components.results import ResultsPanel, results_panel
from components.tab import GenerationTab, on_generate
from generation.job import Mode
from service.generate import GenerationService
from service.requests import GenerationRequest
from settings import GenerationLimits


def text_to_image_tab(
    service: GenerationService, limits: GenerationLimits, concurrency: int
) -> GenerationTab:
    info = service.model
    with gr.Tab("Text to image", id=Mode.TEXT_TO_IMAGE.value), gr.Row():
        with gr.Column(scale=1):
            controls = prompt_controls(limits, Mode.TEXT_TO_IMAGE.value, info.sampler)
            with gr.Row():
                width = gr.Slider(
                    limits.min_side,
                    limits.max_side,
                    value=info.default_width,
                    step=8,
                    label="Width",
                )
                height = gr.Slider(
                    limits.min_side,
                    limits.max_side,
                    value=info.default_height,
                    step=8,
                    label="Height",
                )
            generate, cancel = action_buttons(Mode.TEXT_TO_IMAGE.value)
            gr.Examples(
                [[text] for text in info.card.examples],
                inputs=[controls.prompt],
                label="Try a prompt",
            )
        with gr.Column(scale=1):
            results: ResultsPanel = results_panel(Mode.TEXT_TO_IMAGE.value)

    def handle(
        prompt,
        negative_prompt,
        seed,
        steps,
        guidance_scale,
        scheduler,
        num_images,
        width,
        height,
        request: gr.Request,
        progress=gr.Progress(),
    ):
        return run_generation(
            service,
            GenerationRequest(
                mode=Mode.TEXT_TO_IMAGE,
                **prompt_fields(
                    prompt, negative_prompt, seed, steps, guidance_scale, scheduler, num_images
                ),
                width=width,
                height=height,
            ),
            request,
            progress,
        )

    event = on_generate(
        generate,
        cancel,
        handle,
        [*controls.inputs(), width, height],
        results,
        Mode.TEXT_TO_IMAGE,
        concurrency,
    )
    return GenerationTab(controls, results, event, cancel)
