"""Mask focus: point the prompt's words at the area being inpainted.

A text-to-image UNet used for inpainting (diffusers' 4-channel path, which blends the
original back outside the mask at every step) is never told where the mask is. A model that
does not follow position words then often spends the prompt on the picture's existing
object, or on the part of the image that will be thrown away, and leaves the masked area
as background. The bundled shapes model drew the asked shape and colour inside the mask in
65% of 120 cases without focus and 75% with it (docs/MODEL_CARD.md, "Mask focus").

Paint-with-words (Balaji et al., 2022, "eDiff-I") steers where each word is
drawn by adding to the cross-attention scores of that word's tokens inside the region it
should fill. Here every word of the prompt gets the mask as its region: inside the mask the
prompt's word tokens gain `weight` in the attention logits, relative to the encoder's special
and padding tokens. Only the conditional half of a classifier-free batch is changed, so the
unconditional baseline, and with it a negative prompt, means what it did.

The weight is the model's own recommendation (`inpaint_mask_focus` in its folder's
`sampler_defaults.json`): it was measured on the bundled model only, and a hub model keeps 0,
which leaves inpainting exactly as diffusers does it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

import numpy as np
import torch
import torch.nn.functional as F
from diffusers.models.attention_processor import AttnProcessor2_0
from PIL import Image


def word_tokens(tokenizer, prompt: str) -> torch.Tensor:
    """Which of the encoder's `model_max_length` positions hold the prompt's words.

    Special tokens ([CLS]/[SEP], <|startoftext|>/<|endoftext|>) and padding are left out: the
    focus is relative to them, since raising every score alike would change nothing.
    """
    encoded = tokenizer(
        prompt,
        padding="max_length",
        max_length=tokenizer.model_max_length,
        truncation=True,
        return_special_tokens_mask=True,
        return_attention_mask=True,
    )
    special = torch.tensor(encoded["special_tokens_mask"], dtype=torch.bool)
    present = torch.tensor(encoded["attention_mask"], dtype=torch.bool)
    return present & ~special


def latent_mask(mask: Image.Image, latent_height: int, latent_width: int) -> torch.Tensor:
    """The share of each latent cell that the mask ("L", 255 = repaint) covers, in [0, 1]."""
    small = mask.convert("L").resize((latent_width, latent_height), Image.Resampling.BOX)
    return torch.from_numpy(np.asarray(small, dtype=np.float32) / 255.0)


def grid_of(tokens: int, latent_height: int, latent_width: int) -> tuple[int, int]:
    """The (height, width) of a UNet level with `tokens` positions.

    Each down block halves the grid with a stride-2 convolution, rounding up.
    """
    height, width = latent_height, latent_width
    while height * width > tokens:
        height, width = math.ceil(height / 2), math.ceil(width / 2)
    if height * width != tokens:
        raise ValueError(f"no level of a {latent_height}x{latent_width} latent has {tokens} cells")
    return height, width


class MaskFocusedAttention:
    """A cross-attention processor that adds `weight` to the word tokens' scores in the mask.

    It computes the attention exactly as diffusers' `AttnProcessor2_0`, with the bias passed
    as SDPA's additive mask. Only a call whose batch has `batch_rows` rows is the pipeline's
    own; the last `focused_rows` of them are the conditional half. Any other call (safety
    guidance's extra pass, for one) is left unbiased.
    """

    def __init__(
        self,
        mask: torch.Tensor,
        words: torch.Tensor,
        weight: float,
        batch_rows: int,
        focused_rows: int,
    ) -> None:
        self._mask, self._words, self._weight = mask, words, weight
        self._batch_rows, self._focused_rows = batch_rows, focused_rows
        self._attention = AttnProcessor2_0()
        self._bias: dict[int, torch.Tensor] = {}  # by number of query positions

    def bias(
        self,
        queries: int,
        keys: int,
        device: torch.device | str = "cpu",
        dtype: torch.dtype = torch.float32,
    ) -> torch.Tensor:
        """(batch_rows, queries, keys): weight x the mask's cover of each query's cell, on the
        word tokens of the focused rows; zero elsewhere. Made once per UNet level, on the
        UNet's device and in its dtype, since every step's attention calls read it."""
        if queries not in self._bias:
            height, width = grid_of(queries, *self._mask.shape)
            cover = F.adaptive_avg_pool2d(self._mask[None, None], (height, width)).reshape(queries)
            words = F.pad(self._words.float(), (0, max(0, keys - len(self._words))))[:keys]
            bias = torch.zeros(self._batch_rows, queries, keys)
            bias[self._batch_rows - self._focused_rows :] = self._weight * cover[:, None] * words
            self._bias[queries] = bias.to(device, dtype)
        return self._bias[queries]

    def __call__(
        self,
        attn,
        hidden_states: torch.Tensor,
        encoder_hidden_states: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        temb: torch.Tensor | None = None,
        **kwargs,
    ) -> torch.Tensor:
        own_call = (
            encoder_hidden_states is not None
            and attention_mask is None
            and hidden_states.ndim == 3
            and hidden_states.shape[0] == self._batch_rows
        )
        if own_call:
            attention_mask = self.bias(
                hidden_states.shape[1],
                encoder_hidden_states.shape[1],
                hidden_states.device,
                hidden_states.dtype,
            )
        return self._attention(attn, hidden_states, encoder_hidden_states, attention_mask, temb)


@contextmanager
def mask_focused(
    unet: torch.nn.Module,
    mask: torch.Tensor,
    words: torch.Tensor,
    weight: float,
    images: int,
    classifier_free: bool,
) -> Iterator[None]:
    """Focus the prompt's `words` on `mask` (a latent-sized cover map) in every cross-attention
    layer of `unet` for the calls made inside the block; the UNet's processors are restored
    afterwards. `images` is the number of images per call, and `classifier_free` whether the
    pipeline doubles the batch with an unconditional half (guidance scale above 1)."""
    previous = unet.attn_processors
    rows = 2 * images if classifier_free else images
    focus = MaskFocusedAttention(mask, words, weight, batch_rows=rows, focused_rows=images)
    unet.set_attn_processor(
        {
            name: focus if name.endswith("attn2.processor") else processor
            for name, processor in previous.items()
        }
    )
    try:
        yield
    finally:
        unet.set_attn_processor(previous)


def inpaint_focus(
    pipeline,
    prompt: str,
    mask: Image.Image,
    weight: float,
    size: tuple[int, int],
    images: int,
    guidance_scale: float,
) -> AbstractContextManager[None]:
    """Mask focus for one call of a diffusers inpainting `pipeline` drawing `images` images of
    `size` (height, width) at `guidance_scale`, with the `mask` it is handed; weight 0 is a
    no-op. The app's engine and the shapes benchmark both inpaint through this."""
    if weight <= 0:
        return nullcontext()
    scale = pipeline.vae_scale_factor
    return mask_focused(
        pipeline.unet,
        latent_mask(mask, size[0] // scale, size[1] // scale),
        word_tokens(pipeline.tokenizer, prompt),
        weight,
        images=images,
        classifier_free=guidance_scale > 1,
    )
