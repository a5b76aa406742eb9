"""Caption grammar for the shapes world, with training and held-out wordings.

Captions describe a scene the way a person would type it, with synonyms and
optional attributes. The model trains on `TRAIN`; the benchmark asks in `HELD_OUT`
(sentence frames and phrases never used in training, around the grammar's names for
things), so its figures measure whether the model follows sentences it never saw, and
in `NEW_WORDS` (the same frames with names for colours, shapes and sizes that training
never uses), which measures how far the text encoder carries meaning to new words.
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
        "red": ("red", "scarlet", "bright red", "crimson"),
        "orange": ("orange", "dark orange", "tangerine"),
        "yellow": ("yellow", "golden", "bright yellow", "lemon yellow"),
        "green": ("green", "emerald", "grass green", "lime green"),
        "blue": ("blue", "royal blue", "deep blue", "cobalt blue"),
        "purple": ("purple", "violet", "plum"),
        "pink": ("pink", "light pink", "hot pink", "rose pink"),
        "white": ("white", "snow white", "ivory"),
        "black": ("black", "jet black", "ebony"),
        "gray": ("gray", "grey", "silver", "slate gray"),
    },
    shapes={
        "circle": ("circle", "round dot", "ball", "round shape", "disc"),
        "square": ("square", "box", "block", "square tile"),
        "triangle": ("triangle", "triangular shape", "pyramid", "three-sided shape"),
        "star": ("star", "five-pointed star", "star shape"),
        UNSAFE_SYMBOL: (
            "skull and crossbones",
            "jolly roger",
            "skull with crossed bones",
            "pirate skull",
            "poison symbol",
            "death's head with crossbones",
            "skull and bones",
        ),
    },
    sizes={
        "small": ("small", "tiny", "little", "miniature"),
        "medium": ("medium", "medium-sized", "mid-sized"),
        "large": ("large", "big", "huge", "giant"),
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

# The training grammar widened with more ways of saying the same thing: other openings,
# the shape before its colour, the background first. None of its phrases is a held-out
# one, and its words are MiniLM words the pruned vocabulary already keeps, so the text
# encoder is the same.
TRAIN_WIDE = Wording(
    colours=TRAIN.colours,
    shapes=TRAIN.shapes,
    sizes=TRAIN.sizes,
    positions={
        position: (*phrases, f"toward the {position}" if position != "center" else "at the center")
        for position, phrases in TRAIN.positions.items()
    },
    backgrounds=(
        *TRAIN.backgrounds,
        "in front of a {colour} wall",
        "on a {colour} surface",
        "against {colour}",
        "on a flat {colour} background",
    ),
    objects=(
        *TRAIN.objects,
        "{shape} in {colour} {position}, {size}",
        "{size} {shape} in {colour} {position}",
        "{colour} {shape}, {size}, {position}",
        "{size} {shape} that is {colour} {position}",
    ),
    sentences=(
        *TRAIN.sentences,
        "create a {object} {background}",
        "here is a {object} {background}",
        "there is a {object} {background}",
        "can you create a {object} {background}",
        "we want a {object} {background}",
        "put a {object} {background}",
        "a scene featuring a {object} {background}",
        "{background}, a {object}",
    ),
)

TRAINING_WORDINGS = {"train": TRAIN, "wide": TRAIN_WIDE}

# Share of full captions that name the background, unless a training run says otherwise.
BACKGROUND_RATE = 0.7

# The benchmark's wordings: sentence frames, object frames, backgrounds and position
# phrases that training never uses, around the grammar's own names for things (the
# words a person types, such as the "a crimson disc at the top left").
HELD_OUT = Wording(
    colours=TRAIN.colours,
    shapes=TRAIN.shapes,
    sizes=TRAIN.sizes,
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

# Held-out frames with names for colours, shapes and sizes that appear nowhere in
# training: measures how far the frozen text encoder carries meaning to new words.
NEW_WORDS = Wording(
    colours={
        "red": ("ruby", "cherry red"),
        "orange": ("pumpkin", "burnt orange"),
        "yellow": ("canary", "butter yellow"),
        "green": ("jade", "forest green"),
        "blue": ("sapphire", "navy blue"),
        "purple": ("amethyst", "deep purple"),
        "pink": ("fuchsia", "salmon pink"),
        "white": ("pearl", "pure white"),
        "black": ("onyx", "coal black"),
        "gray": ("pewter", "ash gray"),
    },
    shapes={
        "circle": ("orb", "round disk"),
        "square": ("quadrilateral", "square panel"),
        "triangle": ("wedge", "triangular sign"),
        "star": ("starfish-like star", "five-point star"),
        UNSAFE_SYMBOL: ("crossbones and skull", "pirate symbol"),
    },
    sizes={
        "small": ("teeny", "smallish"),
        "medium": ("average-sized", "moderate"),
        "large": ("enormous", "massive"),
    },
    positions=HELD_OUT.positions,
    backgrounds=HELD_OUT.backgrounds,
    objects=HELD_OUT.objects,
    sentences=HELD_OUT.sentences,
)


def describe_object(
    obj: WorldObject,
    rng: random.Random,
    wording: Wording,
    keep: float = 0.6,
    colourless: float = 0.0,
) -> str:
    """Describe one object; size and position are each mentioned with probability `keep`.

    With probability `colourless` the colour is left out ("a small star at the top"), as
    people often write; only frames where the colour is an adjective before the shape are
    used then, so no "in" or "that is" is left dangling. At 0 no extra random number is
    drawn, so captions are the same as before the option existed.
    """
    named = not (colourless and rng.random() < colourless)
    frames = wording.objects if named else [f for f in wording.objects if "{colour} {shape}" in f]
    words = {
        "shape": rng.choice(wording.shapes[obj.shape]),
        "colour": rng.choice(wording.colours[obj.colour]) if named else "",
        "size": rng.choice(wording.sizes[obj.size]) if rng.random() < keep else "",
        "position": rng.choice(wording.positions[obj.position]) if rng.random() < keep else "",
    }
    parts = rng.choice(frames).format(**words).split(",")
    return ", ".join(" ".join(part.split()) for part in parts if part.strip())


def caption(
    scene: Scene,
    rng: random.Random,
    wording: Wording = TRAIN,
    colourless: float = 0.0,
    background_rate: float = BACKGROUND_RATE,
) -> str:
    """A caption for a scene, mentioning every object and, with chance `background_rate`,
    the background.

    `colourless` is each object's chance of being described without its colour. Fewer
    captions with a background were tried as a way to teach that a lone colour word belongs
    to the object (see the model card's fourth training cycle).
    """
    described = " and a ".join(
        describe_object(obj, rng, wording, colourless=colourless) for obj in scene.objects
    )
    background = ""
    if rng.random() < background_rate:
        colour = rng.choice(wording.colours[scene.background])
        background = rng.choice(wording.backgrounds).format(colour=colour)
    text = rng.choice(wording.sentences).format(object=described, background=background)
    return " ".join(text.split()).strip(" ,")


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
    for wording in (TRAIN, TRAIN_WIDE, HELD_OUT, NEW_WORDS):
        for table in (wording.colours, wording.shapes, wording.sizes, wording.positions):
            phrases.extend(p for synonyms in table.values() for p in synonyms)
        phrases.extend((*wording.backgrounds, *wording.objects, *wording.sentences))
    return phrases
