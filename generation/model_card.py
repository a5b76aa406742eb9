"""What a model folder's card tells the people using it: what the model draws, and prompts to try.

A Hugging Face model keeps its card in its folder as `README.md`: a YAML header, then the
card in Markdown. The header's `widget` list holds example prompts (the Hub's inference
widget offers them), and by custom a card opens with a paragraph saying what the model is.
The app shows that paragraph under its title and offers the examples under the prompt, so a
Space owner who brings a model with a card gets both without touching code. A small model
needs them most: the bundled one draws only a world of coloured shapes, and "a red star on
a navy background" gave it nothing but red, because "navy" is not in that world. Hub ids
and folders without a card get no summary and the usual examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

CARD_FILE = "README.md"
USUAL_EXAMPLES = (
    "a watercolour painting of a lighthouse at dusk",
    "a photo of a red fox in fresh snow, morning light",
    "an isometric illustration of a tiny library",
)


@dataclass(frozen=True)
class ModelCard:
    summary: str = ""  # Markdown, one paragraph
    examples: tuple[str, ...] = USUAL_EXAMPLES


USUAL_CARD = ModelCard()


def read_model_card(model_id: str | Path) -> ModelCard:
    """The folder's card, or the usual one. A card whose header is broken stops start-up
    with a message naming it, as a broken `sampler_defaults.json` does."""
    path = Path(model_id) / CARD_FILE
    if not path.is_file():
        return USUAL_CARD
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")  # a card saved on Windows
    header, body = _split(text, path)
    widget = header.get("widget", [])
    if not isinstance(widget, list) or not all(
        isinstance(entry, dict) and isinstance(entry.get("text"), str) for entry in widget
    ):
        raise ValueError(f"{path}: `widget` must be a list of entries with a `text` prompt")
    examples = tuple(entry["text"] for entry in widget)
    return ModelCard(summary=_first_paragraph(body), examples=examples or USUAL_EXAMPLES)


def write_model_card(card: ModelCard, model_dir: Path, metadata: dict[str, object]) -> None:
    """Write `card` as the folder's README.md, with `metadata` (licence, pipeline tag, ...)
    in its header beside the examples."""
    header = {**metadata, "widget": [{"text": text} for text in card.examples]}
    title = model_dir.name
    text = f"---\n{yaml.safe_dump(header, sort_keys=False)}---\n\n# {title}\n\n{card.summary}\n"
    (model_dir / CARD_FILE).write_text(text, encoding="utf-8")


def _split(text: str, path: Path) -> tuple[dict, str]:
    """The YAML header (empty without one) and the Markdown after it."""
    if not text.startswith("---\n"):
        return {}, text
    end = text.find("\n---", 4)
    if end < 0:
        raise ValueError(f"{path}: the YAML header opened by '---' is never closed")
    try:
        header = yaml.safe_load(text[4:end]) or {}
    except yaml.YAMLError as error:
        raise ValueError(f"{path}: the YAML header does not parse: {error}") from error
    if not isinstance(header, dict):
        raise ValueError(f"{path}: the YAML header must be a mapping")
    return header, text[end + 4 :]


def _first_paragraph(markdown: str) -> str:
    """The first paragraph of prose: not a heading, a list, a table, a quote or code."""
    for block in markdown.split("\n\n"):
        block = block.strip()
        if block and not block.startswith(("#", "-", "*", "|", ">", "```", "<", "!")):
            return " ".join(line.strip() for line in block.splitlines())
    return ""
