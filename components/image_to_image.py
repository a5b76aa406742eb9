"""The Image to image tab: start from an upload, keep as much of it as the strength says."""

from __future__ import annotations

import gradio as gr

from components.controls import action_buttons, prompt_controls, prompt_fields
from components.edit_examples import edit_examples
from components.handlers import run_generation
from components.results import results_panel
from components.tab import GenerationTab, on_generate
from generation.job import Mode
from service.generate import GenerationService
from service.requests import GenerationRequest
from settings import GenerationLimits


def image_to_image_tab(
    service: GenerationService, limits: GenerationLimits, concurrency: int
) -> tuple[GenerationTab, gr.Image]:
    with gr.Tab("Image to image", id=Mode.IMAGE_TO_IMAGE.value), gr.Row():
        with gr.Column(scale=1):
            image = gr.Image(
                label="Start from",
                type="filepath",
                sources=["upload", "clipboard"],
                format="png",
                elem_id="img2img-input",
            )
            controls = prompt_controls(limits, Mode.IMAGE_TO_IMAGE.value, service.model.sampler)
            strength = gr.Slider(
                0, 1, value=0.6, step=0.05, label="Strength (0 keeps the image, 1 redraws it)"
            )
            generate, cancel = action_buttons(Mode.IMAGE_TO_IMAGE.value)
            edit_examples(
                service.model.edit_examples.image_to_image,
                image,
                lambda example: str(example.image),
                controls.prompt,
                strength,
                elem_id="img2img-examples",
            )
        with gr.Column(scale=1):
            results = results_panel(Mode.IMAGE_TO_IMAGE.value)

    def handle(
        image,
        prompt,
        negative_prompt,
        seed,
        steps,
        guidance_scale,
        scheduler,
        num_images,
        strength,
        request: gr.Request,
        progress=gr.Progress(),
    ):
        return run_generation(
            service,
            GenerationRequest(
                mode=Mode.IMAGE_TO_IMAGE,
                image=image,
                **prompt_fields(
                    prompt, negative_prompt, seed, steps, guidance_scale, scheduler, num_images
                ),
                strength=strength,
            ),
            request,
            progress,
        )

    event = on_generate(
        generate,
        cancel,
        handle,
        [image, *controls.inputs(), strength],
        results,
        Mode.IMAGE_TO_IMAGE,
        concurrency,
    )
    return GenerationTab(controls, results, event, cancel), image
