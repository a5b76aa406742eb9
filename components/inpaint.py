"""The Inpaint tab: paint over part of an upload and redraw only that part."""

from __future__ import annotations

import gradio as gr

from components.controls import action_buttons, prompt_controls, prompt_fields
from components.edit_examples import edit_examples, editor_value
from components.handlers import run_generation
from components.results import results_panel
from components.tab import GenerationTab, on_generate
from generation.job import Mode
from service.generate import GenerationService
from service.requests import DEFAULT_MASK_BLUR, GenerationRequest
from settings import GenerationLimits


def inpaint_tab(
    service: GenerationService, limits: GenerationLimits, concurrency: int
) -> tuple[GenerationTab, gr.ImageEditor]:
    with gr.Tab("Inpaint", id=Mode.INPAINT.value), gr.Row():
        with gr.Column(scale=1):
            editor = gr.ImageMask(
                label="Upload an image, then paint over the part to redraw",
                type="pil",
                sources=["upload", "clipboard"],
                format="png",
                brush=gr.Brush(colors=["#ff00ff"], color_mode="fixed"),
                elem_id="inpaint-editor",
            )
            # Describing the whole picture tells the model that background will do: into an
            # empty area the bundled model then paints the asked object far less often.
            controls = prompt_controls(
                limits,
                Mode.INPAINT.value,
                service.model.sampler,
                prompt_hint="What goes in the painted area, e.g. a yellow star at the top right",
            )
            strength = gr.Slider(
                0,
                1,
                value=1.0,
                step=0.05,
                label="Strength (0 keeps the painted area, 1 redraws it)",
            )
            with gr.Row():
                mask_blur = gr.Slider(
                    0,
                    limits.max_mask_blur,
                    value=DEFAULT_MASK_BLUR,
                    step=1,
                    label="Mask blur (pixels)",
                    info="Softens the edge inside the painted area",
                )
                keep_unmasked = gr.Checkbox(value=True, label="Keep the unpainted area pixel-exact")
            generate, cancel = action_buttons(Mode.INPAINT.value)
            edit_examples(
                service.model.edit_examples.inpaint,
                editor,
                editor_value,
                controls.prompt,
                strength,
                elem_id="inpaint-examples",
            )
        with gr.Column(scale=1):
            results = results_panel(Mode.INPAINT.value)

    def handle(
        editor_value,
        prompt,
        negative_prompt,
        seed,
        steps,
        guidance_scale,
        scheduler,
        num_images,
        strength,
        mask_blur,
        keep_unmasked,
        request: gr.Request,
        progress=gr.Progress(),
    ):
        editor_value = editor_value or {}
        layers = editor_value.get("layers") or []
        return run_generation(
            service,
            GenerationRequest(
                mode=Mode.INPAINT,
                image=editor_value.get("background"),
                mask=layers[0] if layers else None,
                **prompt_fields(
                    prompt, negative_prompt, seed, steps, guidance_scale, scheduler, num_images
                ),
                strength=strength,
                mask_blur=mask_blur,
                keep_unmasked=keep_unmasked,
            ),
            request,
            progress,
        )

    event = on_generate(
        generate,
        cancel,
        handle,
        [editor, *controls.inputs(), strength, mask_blur, keep_unmasked],
        results,
        Mode.INPAINT,
        concurrency,
    )
    return GenerationTab(controls, results, event, cancel), editor
