"""Choose where the model runs and in which precision, without asking the user."""

from __future__ import annotations

import torch


def select_device(preference: str = "auto") -> tuple[str, torch.dtype]:
    """CUDA in fp16 when there is a GPU, Apple's MPS next, else the CPU in fp32.

    fp16 on the CPU is slower than fp32 and loses precision, so the CPU always gets fp32.
    """
    if preference == "auto":
        if torch.cuda.is_available():
            preference = "cuda"
        elif torch.backends.mps.is_available():
            preference = "mps"
        else:
            preference = "cpu"
    dtype = torch.float16 if preference in ("cuda", "mps") else torch.float32
    return preference, dtype
