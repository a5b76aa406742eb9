"""The example edits a model offers under the Image to image and Inpaint tabs.

A newcomer rarely has a picture at hand, and without one cannot see what strength or a mask
does. But an example edit only teaches something if the model does it: the bundled model
draws one world of coloured shapes, turns its red circle into a square at strength 0.6 and
redraws a painted-over object only below strength 1. Those pictures and strengths mean
nothing for a Space owner's photographic model. So, like `sampler_defaults.json`, the
examples belong to the model folder: `edit_examples.json` lists them, with paths to its
pictures relative to the folder, for example

    {"image_to_image": [{"image": "examples/red-circle-on-blue.png",
                         "prompt": "a large red square on a blue background",
                         "strength": 0.6}],
     "inpaint": [{"image": "examples/circle-and-square.png",
                  "mask": "examples/circle-and-square-mask.png",
                  "prompt": "a blue star on a white background", "strength": 0.75}]}

A mask is an image whose alpha marks the painted part, as the Inpaint tab's editor layer
is. A folder without the file, or a hub id, offers no example edits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from generation.model_folder import read_folder_json

EDIT_EXAMPLES_FILE = "edit_examples.json"
MODES = ("image_to_image", "inpaint")


@dataclass(frozen=True)
class EditExample:
    """A picture to start from, with what to ask and the strength to ask it at; for
    inpainting, also the layer painted over the part to redraw."""

    image: Path
    prompt: str
    strength: float
    mask: Path | None = None


@dataclass(frozen=True)
class EditExamples:
    image_to_image: tuple[EditExample, ...] = ()
    inpaint: tuple[EditExample, ...] = ()


NO_EDIT_EXAMPLES = EditExamples()


def read_edit_examples(model_id: str | Path) -> EditExamples:
    """The model folder's example edits, or none (hub ids have none here).

    A broken file, or one naming a picture that is not in the folder, stops start-up with
    a message naming it, as a broken `sampler_defaults.json` does.
    """
    folder = Path(model_id).resolve()

    def parse(values: dict) -> EditExamples:
        unknown = sorted(set(values) - set(MODES))
        if unknown:
            raise ValueError(f"unknown mode(s): {', '.join(unknown)}; use {', '.join(MODES)}")
        return EditExamples(
            **{mode: _entries(values.get(mode, []), mode, folder) for mode in MODES}
        )

    return read_folder_json(model_id, EDIT_EXAMPLES_FILE, parse, NO_EDIT_EXAMPLES)


def write_edit_examples(examples: EditExamples, model_dir: Path) -> None:
    """Write `examples`, whose picture paths are relative to `model_dir`, as its file."""

    def entry(example: EditExample) -> dict[str, object]:
        pictures = {"image": example.image, "mask": example.mask}
        fields = {key: path.as_posix() for key, path in pictures.items() if path is not None}
        return {**fields, "prompt": example.prompt, "strength": example.strength}

    values = {mode: [entry(e) for e in getattr(examples, mode)] for mode in MODES}
    (model_dir / EDIT_EXAMPLES_FILE).write_text(json.dumps(values, indent=2) + "\n")


def _entries(entries: object, mode: str, folder: Path) -> tuple[EditExample, ...]:
    if not isinstance(entries, list):
        raise ValueError(f"{mode} must be a list of examples")
    return tuple(_entry(entry, mode, f"{mode}[{i}]", folder) for i, entry in enumerate(entries))


def _entry(entry: object, mode: str, where: str, folder: Path) -> EditExample:
    """One example; only inpainting ones have a mask, and they must."""
    inpaint = mode == "inpaint"
    keys = {"image", "prompt", "strength", "mask"} if inpaint else {"image", "prompt", "strength"}
    if not isinstance(entry, dict):
        raise ValueError(f"{where} must be an object with {', '.join(sorted(keys))}")
    missing, unknown = sorted(keys - set(entry)), sorted(set(entry) - keys)
    if missing or unknown:
        problem = f"lacks {', '.join(missing)}" if missing else f"has {', '.join(unknown)}"
        raise ValueError(f"{where} {problem}; an example has {', '.join(sorted(keys))}")
    prompt, strength = entry["prompt"], entry["strength"]
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError(f"{where}: prompt must be non-empty text")
    if isinstance(strength, bool) or not isinstance(strength, int | float):
        raise ValueError(f"{where}: strength must be a number from 0 to 1, not {strength!r}")
    if not 0 <= strength <= 1:
        raise ValueError(f"{where}: strength must be from 0 to 1, not {strength}")
    return EditExample(
        image=_picture(entry["image"], f"{where}.image", folder),
        prompt=prompt,
        strength=float(strength),
        mask=_picture(entry["mask"], f"{where}.mask", folder) if inpaint else None,
    )


def _picture(relative: object, where: str, folder: Path) -> Path:
    """The picture's path, checked to lie inside the model folder and to open as an image."""
    if not isinstance(relative, str) or not relative:
        raise ValueError(f"{where} must be a path inside the model folder")
    path = (folder / relative).resolve()
    if not path.is_relative_to(folder):
        raise ValueError(f"{where}: {relative!r} is outside the model folder")
    try:
        with Image.open(path) as image:
            image.verify()
    except (OSError, SyntaxError) as error:  # PIL reports some corrupt files as SyntaxError
        raise ValueError(f"{where}: {relative!r} is not a readable image ({error})") from error
    return path
