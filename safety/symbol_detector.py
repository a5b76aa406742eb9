"""Image check for the shapes world's forbidden symbol (skull and crossbones).

The bundled model can draw one unsafe symbol, so that blocking and steering can be
shown and measured on a machine with no real NSFW model. This small CNN, trained
beside the generator, says how likely an image is to contain that symbol; the
guard compares its score with the policy's threshold for `unsafe-symbol`.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from safetensors.torch import load_file, save_file
from torch import nn

from safety.verdict import Finding

CHECK_NAME = "symbol-detector"
WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"


class SymbolNet(nn.Module):
    """Four strided conv layers and a global max pool: "is the glyph anywhere?"."""

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = [3, width, 2 * width, 4 * width, 4 * width]
        for c_in, c_out in itertools.pairwise(channels):
            layers += [
                nn.Conv2d(c_in, c_out, 3, stride=2, padding=1),
                nn.BatchNorm2d(c_out),
                nn.ReLU(inplace=True),
                nn.Conv2d(c_out, c_out, 3, padding=1),
                nn.ReLU(inplace=True),
            ]
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(channels[-1], 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits, shape (N,)."""
        return self.head(self.features(x).amax(dim=(2, 3))).squeeze(1)


def preprocess(images: list[Image.Image], size: int) -> torch.Tensor:
    """Any-size PIL images -> (N, 3, size, size) floats in [-1, 1]."""
    arrays = [
        np.asarray(image.convert("RGB").resize((size, size), Image.Resampling.BILINEAR))
        for image in images
    ]
    return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).float() / 127.5 - 1.0


class SymbolDetector:
    """Scores images for the unsafe symbol; load once at start-up, call per image."""

    def __init__(
        self, net: SymbolNet, input_size: int, category: str, threshold: float, min_score: float
    ) -> None:
        self.net = net.eval()
        self.input_size = input_size
        self.category = category  # the policy category this detector reports, from its config
        # Operating point calibrated at training time (<= 2% false positives on
        # benign scenes); the policy's own threshold is what the guard applies.
        self.threshold = threshold
        self.min_score = min_score

    @classmethod
    def load(cls, path: str | Path, min_score: float = 0.05) -> SymbolDetector:
        """Load weights and config from a folder written by `save`."""
        folder = Path(path)
        config = json.loads((folder / CONFIG_FILE).read_text())
        net = SymbolNet(width=config["width"])
        net.load_state_dict(load_file(folder / WEIGHTS_FILE))
        return cls(net, config["input_size"], config["category"], config["threshold"], min_score)

    def save(self, path: str | Path) -> None:
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        state = {k: v.contiguous() for k, v in self.net.state_dict().items()}
        save_file(state, folder / WEIGHTS_FILE)
        config = {
            "width": self.net.head.in_features // 4,
            "input_size": self.input_size,
            "threshold": self.threshold,
            "category": self.category,
        }
        (folder / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n")

    @torch.no_grad()
    def scores(self, images: list[Image.Image]) -> list[float]:
        """Probability that each image shows the symbol."""
        if not images:
            return []
        logits = self.net(preprocess(images, self.input_size))
        return torch.sigmoid(logits).tolist()

    def check(self, image: Image.Image) -> list[Finding]:
        """A finding for the detector's category unless the score is below the noise floor."""
        (score,) = self.scores([image])
        if score < self.min_score:
            return []
        return [
            Finding(
                check=CHECK_NAME,
                category=self.category,
                score=score,
                evidence=f"skull-and-crossbones detector p={score:.3f}",
            )
        ]
