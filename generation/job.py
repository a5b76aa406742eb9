"""A validated generation job: what the engine is asked to do, in plain values.

The engine trusts a job completely; turning user input into a job (and refusing
bad input) is the service's job, in `service/requests.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from PIL import Image

from generation.safety_guidance import SafetyGuidance


class Mode(str, Enum):
    TEXT_TO_IMAGE = "txt2img"
    IMAGE_TO_IMAGE = "img2img"
    INPAINT = "inpaint"


@dataclass(frozen=True)
class GenerationJob:
    mode: Mode
    prompt: str
    negative_prompt: str
    seed: int
    steps: int
    guidance_scale: float
    width: int
    height: int
    num_images: int
    scheduler: str
    strength: float = 1.0
    init_image: Image.Image | None = None
    # "L" mode, same size as init_image: 255 where the model may paint.
    mask: Image.Image | None = None
    mask_blur: int = 0
    keep_unmasked: bool = True
    # Inpainting: how strongly the prompt's words are pointed at the mask
    # (`generation/mask_focus.py`); the service sets the model folder's recommendation.
    mask_focus: float = 0.0
    # Set by the service when the policy asks for a safer drawing; None draws as asked.
    safety_guidance: SafetyGuidance | None = None

    def seed_of(self, index: int) -> int:
        """Each image has its own seed, so any one of a batch can be reproduced alone."""
        return (self.seed + index) % 2**32
