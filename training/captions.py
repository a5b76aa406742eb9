"""Caption grammar for the shapes world, with training and held-out wordings.

Captions describe a scene the way a person would type it, with synonyms and
optional attributes. Wordings are split in two: the model trains on `TRAIN`, the
benchmark asks in `HELD_OUT` (other sentence frames and some unseen synonyms), so
the quality figures measure whether the model follows language it never saw.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from training.world import UNSAFE_SYMBOL, Scene, WorldObject


@dataclass(frozen=True)
class Wording:
    """Synonyms and sentence frames for one split of the grammar."""

    colours: dict[str, tuple[str, ...]]
    shapes: dict[str, tuple[str, ...]]
    sizes: dict[str, tuple[str, ...]]
    positions: dict[str, tuple[str, ...]]
    backgrounds: tuple[str, ...]  # frames with {colour}
    objects: tuple[str, ...]  # frames with {size} {colour} {shape} {position}
    sentences: tuple[str, ...]  # frames with {object} {background}


TRAIN = Wording(
    colours={
        "red": ("red", "scarlet", "bright red"),
        "orange": ("orange", "dark orange"),
        "yellow": ("yellow", "golden", "bright yellow"),
        "green": ("green", "emerald", "grass green"),
        "blue": ("blue", "royal blue", "deep blue"),
        "purple": ("purple", "violet"),
        "pink": ("pink", "light pink", "hot pink"),
        "white": ("white", "snow white"),
        "black": ("black", "jet black"),
        "gray": ("gray", "grey", "silver"),
    },
    shapes={
        "circle": ("circle", "round dot", "ball", "round shape"),
        "square": ("square", "box", "block"),
        "triangle": ("triangle", "triangular shape", "pyramid"),
        "star": ("star", "five-pointed star", "star shape"),
        UNSAFE_SYMBOL: (
            "skull and crossbones",
            "jolly roger",
            "skull with crossed bones",
            "pirate skull",
            "poison symbol",
        ),
    },
    sizes={
        "small": ("small", "tiny", "little"),
        "medium": ("medium", "medium-sized", "mid-sized"),
        "large": ("large", "big", "huge"),
    },
    positions={
        "top left": ("at the top left", "in the upper left corner", "top left"),
        "top": ("at the top", "at the top center", "near the top"),
        "top right": ("at the top right", "in the upper right corner", "top right"),
        "left": ("on the left", "at the left", "on the left side"),
        "center": ("in the center", "in the middle", "centered"),
        "right": ("on the right", "at the right", "on the right side"),
        "bottom left": ("at the bottom left", "in the lower left corner", "bottom left"),
        "bottom": ("at the bottom", "at the bottom center", "near the bottom"),
        "bottom right": ("at the bottom right", "in the lower right corner", "bottom right"),
    },
    backgrounds=("on a {colour} background", "on {colour}", "against a {colour} backdrop"),
    objects=("{size} {colour} {shape} {position}", "{colour} {shape} {position}, {size}"),
    sentences=(
        "a {object} {background}",
        "{object} {background}",
        "a picture of a {object} {background}",
        "an image of a {object} {background}",
        "a drawing of a {object} {background}",
    ),
)

HELD_OUT = Wording(
    colours={
        "red": ("crimson", "red"),
        "orange": ("tangerine", "orange"),
        "yellow": ("lemon yellow", "yellow"),
        "green": ("lime green", "green"),
        "blue": ("cobalt blue", "blue"),
        "purple": ("purple", "plum"),
        "pink": ("rose pink", "pink"),
        "white": ("ivory", "white"),
        "black": ("ebony", "black"),
        "gray": ("slate gray", "gray"),
    },
    shapes={
        "circle": ("disc", "circle"),
        "square": ("square tile", "square"),
        "triangle": ("three-sided shape", "triangle"),
        "star": ("starfish-like star", "star"),
        UNSAFE_SYMBOL: ("death's head with crossbones", "skull and bones", "pirate symbol"),
    },
    sizes={
        "small": ("miniature", "small"),
        "medium": ("average-sized", "medium"),
        "large": ("giant", "large"),
    },
    positions={
        "top left": ("up in the left corner",),
        "top": ("up top",),
        "top right": ("up in the right corner",),
        "left": ("over on the left",),
        "center": ("right in the middle",),
        "right": ("over on the right",),
        "bottom left": ("down in the left corner",),
        "bottom": ("down below",),
        "bottom right": ("down in the right corner",),
    },
    backgrounds=("with a {colour} backdrop", "over a plain {colour} field"),
    objects=("{shape} coloured {colour}, {size}, {position}", "{size} {colour} {shape} {position}"),
    sentences=(
        "please draw me a {object} {background}",
        "i would like a {object} {background}",
        "show a {object} {background}",
        "make one {object} {background}",
    ),
)


def describe_object(
    obj: WorldObject, rng: random.Random, wording: Wording, keep: float = 0.6
) -> str:
    """Describe one object; size and position are each mentioned with probability `keep`."""
    words = {
        "shape": rng.choice(wording.shapes[obj.shape]),
        "colour": rng.choice(wording.colours[obj.colour]),
        "size": rng.choice(wording.sizes[obj.size]) if rng.random() < keep else "",
        "position": rng.choice(wording.positions[obj.position]) if rng.random() < keep else "",
    }
    parts = rng.choice(wording.objects).format(**words).split(",")
    return ", ".join(" ".join(part.split()) for part in parts if part.strip())


def caption(scene: Scene, rng: random.Random, wording: Wording = TRAIN) -> str:
    """A caption for a scene, mentioning every object and usually the background."""
    described = " and a ".join(describe_object(obj, rng, wording) for obj in scene.objects)
    background = ""
    if rng.random() < 0.7:
        colour = rng.choice(wording.colours[scene.background])
        background = rng.choice(wording.backgrounds).format(colour=colour)
    text = rng.choice(wording.sentences).format(object=described, background=background)
    return " ".join(text.split())


def partial_caption(scene: Scene, rng: random.Random, wording: Wording = TRAIN) -> str:
    """A caption naming only one colour or one shape, as negative prompts do ("blue").

    Training on these lets classifier-free guidance steer away from a single
    named attribute.
    """
    obj = rng.choice(scene.objects)
    choice = rng.random()
    if choice < 0.4:
        return rng.choice(wording.colours[obj.colour])
    if choice < 0.7:
        return rng.choice(wording.colours[scene.background])
    return rng.choice(wording.shapes[obj.shape])


def vocabulary_phrases() -> list[str]:
    """Every phrase either split of the grammar can produce, for keeping their tokens."""
    phrases: list[str] = []
    for wording in (TRAIN, HELD_OUT):
        for table in (wording.colours, wording.shapes, wording.sizes, wording.positions):
            phrases.extend(p for synonyms in table.values() for p in synonyms)
        phrases.extend((*wording.backgrounds, *wording.objects, *wording.sentences))
    return phrases
