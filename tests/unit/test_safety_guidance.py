"""Safe Latent Diffusion's update, and the UNet hook that applies it, on a stand-in UNet."""

from __future__ import annotations

import torch

from generation.safety_guidance import SafetyGuidance, safety_correction, safety_guided

GUIDANCE = SafetyGuidance("skull and crossbones")


def full(value: float) -> torch.Tensor:
    return torch.full((1, 4, 2, 2), value)


def test_where_prompt_and_concept_agree_the_concept_s_direction_is_removed():
    uncond, cond, concept = full(0.0), full(1.5), full(1.0)
    correction, _ = safety_correction(uncond, cond, concept, torch.zeros_like(cond), GUIDANCE)
    assert torch.allclose(correction, concept - uncond)


def test_where_the_prompt_is_far_above_the_concept_nothing_changes():
    uncond, cond, concept = full(0.0), full(2.5), full(1.0)  # gap 1.5 >= threshold 1.0
    correction, momentum = safety_correction(uncond, cond, concept, full(0.0), GUIDANCE)
    assert torch.count_nonzero(correction) == 0 and torch.count_nonzero(momentum) == 0


def test_momentum_carries_the_correction_into_later_steps():
    uncond, cond, concept = full(0.0), full(1.5), full(1.0)
    first, momentum = safety_correction(uncond, cond, concept, full(0.0), GUIDANCE)
    second, _ = safety_correction(uncond, cond, concept, momentum, GUIDANCE)
    # momentum after step 1 = (1 - beta) * 1.0 = 0.3; step 2 adds momentum_scale * 0.3
    assert torch.allclose(second, first + 0.5 * 0.3)


class EmbeddingMeanUNet(torch.nn.Module):
    """A stand-in UNet whose noise prediction is the mean of its text embedding, so each
    half of a batch is recognisable; it counts its calls."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def forward(self, sample, timestep, encoder_hidden_states, return_dict=False):
        self.calls += 1
        level = encoder_hidden_states.mean(dim=(1, 2)).view(-1, 1, 1, 1)
        return (torch.zeros_like(sample) + level,)


def embeds(value: float, rows: int = 1) -> torch.Tensor:
    return torch.full((rows, 3, 8), value)


def test_the_hook_moves_only_the_conditional_half_of_a_guided_batch():
    unet = EmbeddingMeanUNet()
    batch = torch.cat([embeds(0.0, 2), embeds(1.5, 2)])  # [unconditional, conditional]
    sample = torch.zeros(4, 4, 2, 2)
    with safety_guided(unet, GUIDANCE, embeds(1.0), uncond_embeds=None):
        (guided,) = unet(sample, 10, encoder_hidden_states=batch)
    assert torch.allclose(guided[:2], torch.zeros(2, 4, 2, 2))  # unconditional untouched
    assert torch.allclose(guided[2:], torch.full((2, 4, 2, 2), 0.5))  # 1.5 - (1.0 - 0.0)
    assert unet.calls == 2  # the pipeline's pass and the concept's
    (plain,) = unet(sample, 10, encoder_hidden_states=batch)
    assert torch.allclose(plain[2:], torch.full((2, 4, 2, 2), 1.5))  # the hook is gone


def test_without_classifier_free_guidance_the_hook_predicts_the_baseline_itself():
    unet = EmbeddingMeanUNet()
    with safety_guided(unet, GUIDANCE, embeds(1.0), uncond_embeds=embeds(0.25)):
        (guided,) = unet(torch.zeros(1, 4, 2, 2), 10, encoder_hidden_states=embeds(1.5))
    assert torch.allclose(guided, torch.full((1, 4, 2, 2), 0.75))  # 1.5 - (1.0 - 0.25)
