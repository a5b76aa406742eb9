"""Train the unsafe-symbol detector on rendered scenes and on the generator's own images.

Half the rendered scenes contain the skull and crossbones. To look like generated
images rather than crisp renders, some pass through the trained autoencoder and some
are blurred or noised. Renders alone are not enough: the generator draws the symbol as
an X-shaped blob with dark holes, and draws stars and crosses that look half like it,
so a detector trained on renders misses some of its skulls and flags some of its
stars. Images the trained generator drew therefore join the training set: for benign
prompts as negatives, and for symbol prompts as positives wherever the world's judge
(`benchmarks.shapes_judge`) reads a skull in them (a symbol prompt that came out as a
plain blob teaches nothing either way, and is left out).

The operating threshold is set on held-out generated benign images, so that at most
1% of them are flagged: those, not renders, are what the app shows.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import numpy as np
import torch
from PIL import Image, ImageFilter

from benchmarks.shapes_judge import read
from generation.defaults import use_sampler
from safety.symbol_detector import SymbolDetector, SymbolNet, preprocess
from training.architecture import RECOMMENDED_SAMPLER
from training.autoencoder import cosine_lr
from training.captions import caption
from training.world import UNSAFE_SYMBOL, render, sample_scene

INPUT_SIZE = 128
CATEGORY = "unsafe-symbol"  # the policy category id this detector reports
BENIGN_FALSE_POSITIVE_RATE = 0.01
MIN_THRESHOLD = 0.5

Autoencode = Callable[[list[Image.Image]], list[Image.Image]]


def degrade(image: Image.Image, rng: random.Random) -> Image.Image:
    """Blur and noise of the kind a small diffusion model's output shows."""
    if rng.random() < 0.5:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 2.5)))
    if rng.random() < 0.5:
        array = np.asarray(image, dtype=np.float32)
        noise = np.random.default_rng(rng.randrange(2**32)).normal(
            0, rng.uniform(2, 12), array.shape
        )
        image = Image.fromarray(np.clip(array + noise, 0, 255).astype(np.uint8))
    return image


Labelled = tuple[Image.Image, float]  # an image and 1.0 if it shows the symbol


@torch.no_grad()
def generate(
    pipeline, count: int, seed: int, unsafe_rate: float, batch: int = 8
) -> list[Image.Image]:
    """`count` images the generator draws for captions of random scenes, the symbol
    asked for in about `unsafe_rate` of them.

    At the sampler settings the model recommends (what the app starts at), so they look
    like what the app shows; the seed fixes both the captions and the noise.
    """
    settings = use_sampler(pipeline, RECOMMENDED_SAMPLER)
    rng = random.Random(seed)
    prompts = [caption(sample_scene(rng, unsafe_rate=unsafe_rate), rng) for _ in range(count)]
    images = []
    for start in range(0, count, batch):
        chunk = prompts[start : start + batch]
        generator = torch.Generator().manual_seed(seed + start)
        images += pipeline(chunk, generator=generator, **settings).images
    return images


def generated_examples(
    pipeline, benign: int, symbol: int, seed: int, log: Callable[[str], None] = print
) -> list[Labelled]:
    """Generator images with labels: `benign` drawn for benign prompts (negatives) and,
    of `symbol` drawn for symbol prompts, those in which the judge reads the symbol."""
    negatives = [(image, 0.0) for image in generate(pipeline, benign, seed, unsafe_rate=0.0)]
    attempts = generate(pipeline, symbol, seed + 1, unsafe_rate=1.0)
    positives = [(image, 1.0) for image in attempts if read(image).shows(UNSAFE_SYMBOL)]
    log(f"detector: the judge reads the symbol in {len(positives)} of {symbol} symbol images")
    return negatives + positives


def make_examples(
    count: int,
    rng: random.Random,
    autoencode: Autoencode | None,
    generated: Sequence[Labelled] = (),
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """`count` rendered images (half with the symbol) plus the generated ones, shuffled;
    returns images, labels and which rows were generated."""
    scenes = [sample_scene(rng, unsafe_rate=0.5) for _ in range(count)]
    images = [render(scene) for scene in scenes]
    if autoencode is not None:
        chosen = [i for i in range(count) if rng.random() < 0.5]
        for start in range(0, len(chosen), 32):
            batch = chosen[start : start + 32]
            for i, decoded in zip(batch, autoencode([images[i] for i in batch]), strict=True):
                images[i] = decoded
    images = [degrade(image, rng) for image in images] + [image for image, _ in generated]
    labels = [float(scene.has_unsafe_symbol) for scene in scenes] + [y for _, y in generated]
    drawn = [False] * count + [True] * len(generated)
    order = list(range(len(images)))
    rng.shuffle(order)
    return (
        preprocess([images[i] for i in order], INPUT_SIZE),
        torch.tensor([labels[i] for i in order]),
        torch.tensor([drawn[i] for i in order]),
    )


def train_detector(
    out,
    images: int,
    steps: int,
    batch: int,
    seed: int,
    autoencode: Autoencode | None = None,
    generated: Sequence[Labelled] = (),
    lr: float = 3e-3,
    log: Callable[[str], None] = print,
) -> SymbolDetector:
    """Train, calibrate and save the detector to the folder `out`."""
    rng = random.Random(seed + 1)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    x, y, drawn = make_examples(images, rng, autoencode, generated)
    split = max(1, len(y) // 5)
    x_val, y_val, drawn_val = x[:split], y[:split], drawn[:split]
    x_train, y_train = x[split:], y[split:]
    net = SymbolNet()
    optimiser = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    net.train()
    for step in range(steps):
        for group in optimiser.param_groups:
            group["lr"] = cosine_lr(step, steps, lr)
        index = torch.randint(0, len(x_train), (batch,), generator=gen)
        loss = loss_fn(net(x_train[index]), y_train[index])
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        if step % 200 == 0 or step == steps - 1:
            log(f"detector step {step}/{steps} loss {loss.item():.4f}")
    net.eval()
    with torch.no_grad():
        scores = torch.sigmoid(torch.cat([net(chunk) for chunk in x_val.split(64)]))
    # Calibrate on what the app shows: generated benign images where there are any.
    generated_benign = (y_val == 0) & drawn_val
    benign = scores[generated_benign] if generated_benign.any() else scores[y_val == 0]
    quantile = float(benign.quantile(1 - BENIGN_FALSE_POSITIVE_RATE)) if len(benign) else 0.0
    threshold = max(MIN_THRESHOLD, quantile)
    for name, rows in (("rendered", ~drawn_val), ("generated", drawn_val)):
        positives = scores[rows & (y_val == 1)]
        if len(positives):
            recall = float((positives >= threshold).float().mean())
            log(f"detector validation recall on {name} symbols {recall:.3f} (n={len(positives)})")
    log(f"detector threshold {threshold:.3f} ({len(benign)} benign validation images)")
    detector = SymbolDetector(net, INPUT_SIZE, CATEGORY, threshold, min_score=0.05)
    detector.save(out)
    return detector
