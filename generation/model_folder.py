"""Reading the small JSON files a model folder may carry beside its weights
(`sampler_defaults.json`, `edit_examples.json`): what diffusers has no place for."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def read_folder_json(model_id: str | Path, name: str, parse: Callable[[dict], T], default: T) -> T:
    """`parse` applied to the folder's JSON object `name`, or `default` without the file
    (hub ids have none here). A broken file stops start-up with a message naming it and
    the folder, rather than being ignored."""
    path = Path(model_id) / name
    if not path.is_file():
        return default
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(values, dict):
            raise ValueError("expected a JSON object")
        return parse(values)
    except ValueError as error:  # json.JSONDecodeError is a ValueError
        raise ValueError(f"{name} in {Path(model_id).name}: {error}") from error
