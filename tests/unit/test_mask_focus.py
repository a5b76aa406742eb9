"""Mask focus: which tokens and cells it biases, and that it changes nothing else."""

from __future__ import annotations

import pytest
import torch
from diffusers import UNet2DConditionModel
from diffusers.models.attention_processor import Attention, AttnProcessor2_0
from PIL import Image
from transformers import BertTokenizer

from generation.mask_focus import (
    MaskFocusedAttention,
    grid_of,
    latent_mask,
    mask_focused,
    word_tokens,
)
from settings import BUNDLED_MODEL_DIR

TOKENS = 6  # key length of the stand-in cross-attention
WORDS = torch.tensor([False, True, True, False, False, False])  # [CLS] two words [SEP] pad pad


def tiny_unet() -> UNet2DConditionModel:
    torch.manual_seed(0)
    return UNet2DConditionModel(
        sample_size=8,
        block_out_channels=(8, 16),
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        layers_per_block=1,
        cross_attention_dim=8,
        attention_head_dim=4,
        norm_num_groups=4,
    ).eval()


def left_half_mask(size: int = 8) -> torch.Tensor:
    mask = torch.zeros(size, size)
    mask[:, : size // 2] = 1.0
    return mask


def test_word_tokens_are_the_prompts_words_without_special_or_padding_tokens():
    tokenizer = BertTokenizer.from_pretrained(BUNDLED_MODEL_DIR / "tokenizer")
    words = word_tokens(tokenizer, "a red star")
    assert words.shape == (tokenizer.model_max_length,)
    assert words.nonzero().flatten().tolist() == [1, 2, 3]  # [CLS] a red star [SEP] pad...


def test_an_empty_prompt_has_no_words_to_focus():
    tokenizer = BertTokenizer.from_pretrained(BUNDLED_MODEL_DIR / "tokenizer")
    assert not word_tokens(tokenizer, "").any()


def test_the_latent_mask_is_the_share_of_each_cell_the_mask_covers():
    mask = Image.new("L", (64, 64), 0)
    mask.paste(255, (0, 0, 32, 64))  # left half
    mask.paste(255, (32, 0, 36, 8))  # half of the next cell column in the first row
    cover = latent_mask(mask, 8, 8)
    assert torch.equal(cover[:, :4], torch.ones(8, 4))
    assert cover[0, 4] == pytest.approx(0.5, abs=1 / 255)  # an "L" image holds 8 bits
    assert torch.equal(cover[1:, 4:], torch.zeros(7, 4))


@pytest.mark.parametrize(
    ("tokens", "latent", "grid"),
    [(64, (8, 8), (8, 8)), (16, (8, 8), (4, 4)), (153, (33, 17), (17, 9)), (6, (12, 8), (3, 2))],
)
def test_each_unet_level_is_found_from_its_number_of_cells(tokens, latent, grid):
    assert grid_of(tokens, *latent) == grid


def test_a_number_of_cells_no_level_has_is_refused():
    with pytest.raises(ValueError, match="no level"):
        grid_of(20, 8, 8)


def attention_outputs(processor, batch: int) -> torch.Tensor:
    torch.manual_seed(0)
    attn = Attention(query_dim=8, cross_attention_dim=8, heads=2, dim_head=4)
    attn.set_processor(processor)
    hidden = torch.randn(batch, 64, 8)
    text = torch.randn(batch, TOKENS, 8)
    return attn(hidden, encoder_hidden_states=text)


def test_only_the_conditional_half_is_changed_and_only_inside_the_mask():
    plain = attention_outputs(AttnProcessor2_0(), batch=2)
    focus = MaskFocusedAttention(left_half_mask(), WORDS, 4.0, batch_rows=2, focused_rows=1)
    focused = attention_outputs(focus, batch=2)
    assert torch.equal(focused[0], plain[0])  # unconditional row
    inside = left_half_mask().reshape(64) > 0
    assert torch.allclose(focused[1, ~inside], plain[1, ~inside], atol=1e-6)
    assert (focused[1, inside] - plain[1, inside]).abs().max() > 1e-2


def test_a_call_with_another_batch_is_left_alone():
    """Safety guidance's own UNet pass (the concept alone) must not be biased."""
    plain = attention_outputs(AttnProcessor2_0(), batch=1)
    focus = MaskFocusedAttention(left_half_mask(), WORDS, 4.0, batch_rows=2, focused_rows=1)
    assert torch.equal(attention_outputs(focus, batch=1), plain)


def test_without_classifier_free_guidance_every_row_is_focused():
    focus = MaskFocusedAttention(left_half_mask(), WORDS, 4.0, batch_rows=2, focused_rows=2)
    bias = focus.bias(64, TOKENS)
    assert bias.shape == (2, 64, TOKENS)
    assert torch.equal(bias[0], bias[1])
    assert bias[0, 0].tolist() == [0.0, 4.0, 4.0, 0.0, 0.0, 0.0]  # a cell inside the mask
    assert not bias[0, 7].any()  # a cell outside it


def unet_call(unet: UNet2DConditionModel) -> torch.Tensor:
    torch.manual_seed(1)
    sample = torch.randn(1, 4, 8, 8).repeat(2, 1, 1, 1)
    text = torch.randn(2, TOKENS, 8)
    with torch.no_grad():
        return unet(sample, 500, encoder_hidden_states=text).sample


def test_weight_zero_draws_exactly_as_without_focus():
    unet = tiny_unet()
    plain = unet_call(unet)
    with mask_focused(unet, left_half_mask(), WORDS, 0.0, images=1, classifier_free=True):
        assert torch.equal(unet_call(unet), plain)


def test_the_unet_s_own_processors_come_back_after_the_block_even_on_error():
    unet = tiny_unet()
    before = unet.attn_processors
    focus = mask_focused(unet, left_half_mask(), WORDS, 4.0, images=1, classifier_free=True)
    with pytest.raises(RuntimeError), focus:
        assert all(
            isinstance(p, MaskFocusedAttention) == name.endswith("attn2.processor")
            for name, p in unet.attn_processors.items()
        )
        raise RuntimeError("stop")
    assert unet.attn_processors == before


def test_focus_changes_the_conditional_prediction_of_a_real_unet():
    unet = tiny_unet()
    plain = unet_call(unet)
    with mask_focused(unet, left_half_mask(), WORDS, 4.0, images=1, classifier_free=True):
        focused = unet_call(unet)
    assert torch.equal(focused[0], plain[0])
    assert (focused[1] - plain[1]).abs().max() > 1e-4


def test_keys_beyond_the_tokenizer_s_window_are_not_focused():
    focus = MaskFocusedAttention(left_half_mask(), WORDS, 4.0, batch_rows=1, focused_rows=1)
    assert focus.bias(64, TOKENS + 2)[0, 0].tolist() == [0.0, 4.0, 4.0, 0.0, 0.0, 0.0, 0.0, 0.0]
