"""Load and validate `assets/policy.yaml`, the single source of safety categories.

A Space owner changes what is blocked by editing that file, so every mistake in
it must stop the app at start-up with a message that names the file and line,
instead of silently weakening a check.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from safety.verdict import Action

PROMPT_CHECKS = ("keywords", "semantic")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_HTML_ANCHOR = re.compile(r"""<a\s+(?:id|name)=["']([^"']+)["']""")


class PolicyError(ValueError):
    """The policy file cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Category:
    """One kind of content the policy governs, with how each check treats it.

    `message` and `rephrase_hint` are shown to the person whose request was
    stopped; they describe the rule, never the words that triggered it.
    """

    id: str
    name: str
    description: str
    examples: tuple[str, ...]
    action: Action
    message: str
    rephrase_hint: str = ""
    anchor: str = ""
    block_threshold: float = 0.8
    warn_threshold: float = 0.5
    image_threshold: float | None = None
    # What happens to an output image at or above `image_threshold` (the prompt's `action`
    # unless set): "regenerate" redraws it once with safety guidance away from
    # `safety_concept` and withholds it only if it still shows the category.
    image_action: Action | None = None
    # Words the generator is steered away from when this category asks for a safer drawing.
    safety_concept: str | None = None
    blocklist: str | None = None
    # Entries written in the policy itself, read like blocklist lines: how a moderator adds
    # a word from the review tab, where the blocklist files cannot be edited.
    keywords: tuple[str, ...] = ()
    negative_blocklist: str | None = None
    scan_negative_prompt: bool = False
    # What the semantic classifier reads in place of each blocklist match: a famous name
    # outweighs the rest of a sentence embedding, so "<name> beaten by a mob" reads as
    # politics until the name becomes "a person".
    classifier_stand_in: str | None = None
    # Other categories' classifier scores, one of which must reach its value before this
    # category's classifier score may block; without one it warns at most. A head that
    # learned a category from few rows may read a part of it as the whole: it read every
    # child in a scene as sexual content involving minors ("my daughter in a bathing suit
    # at swimming lessons", 0.85) until that needed some sign of sex as well.
    classifier_support: tuple[tuple[str, float], ...] = ()

    @property
    def output_action(self) -> Action:
        """What an output image that reaches `image_threshold` gets."""
        return self.image_action or self.action

    @property
    def upload_action(self) -> Action:
        """What an uploaded image that reaches `image_threshold` gets: the category's own
        action, except that an upload cannot be drawn again, so regenerate refuses it."""
        return Action.BLOCK if self.action is Action.REGENERATE else self.action

    def action_for(self, score: float) -> Action:
        """The action a semantic score of this size calls for."""
        if score >= self.block_threshold:
            return self.action
        if score >= self.warn_threshold and self.action.severity > Action.WARN.severity:
            return Action.WARN
        return Action.ALLOW


@dataclass(frozen=True)
class Escalation:
    """When every category in `when_all` is found in one prompt, report `category`."""

    when_all: tuple[str, ...]
    category: str


@dataclass(frozen=True)
class PageSettings:
    """What the Space shows around the generator: usage policy, age gate, terms."""

    title: str = "SafeCanvas"
    usage_policy: str = "usage_policy.md"
    require_age_confirmation: bool = True
    minimum_age: int = 18
    terms: str = ""


@dataclass(frozen=True)
class Policy:
    """A validated policy file. Relative paths in it resolve against `assets_dir`."""

    version: str
    digest: str
    source: Path
    assets_dir: Path
    categories: tuple[Category, ...]
    page: PageSettings
    prompt_checks: tuple[str, ...]
    max_prompt_chars: int = 2000
    allowlist: str | None = None
    allowed_phrases: tuple[str, ...] = ()  # more allowlist entries, in the policy itself
    classifier_head: str | None = None
    similarity_floor: float = 0.45
    similarity_ceiling: float = 0.8
    # Allowed prompts near a rule ("a portrait of the president"): the classifier head
    # trains on them as safe, so changing them takes a retrain.
    safe_examples: tuple[str, ...] = ()
    # Words of other languages that the classifier cannot read (safety/other_languages.py).
    other_language_words: str | None = None
    escalations: tuple[Escalation, ...] = ()
    input_error_message: str = "This prompt could not be checked, so it was not generated."

    def category(self, category_id: str) -> Category:
        for category in self.categories:
            if category.id == category_id:
                return category
        raise KeyError(category_id)

    def path(self, relative: str) -> Path:
        return self.assets_dir / relative

    @property
    def usage_policy_path(self) -> Path:
        return self.path(self.page.usage_policy)

    @property
    def files(self) -> tuple[str, ...]:
        """Every file the policy names, relative to `assets_dir` as written."""
        named = [
            self.page.usage_policy,
            self.allowlist,
            self.classifier_head,
            self.other_language_words,
        ]
        for category in self.categories:
            named += [category.blocklist, category.negative_blocklist]
        return tuple(name for name in named if name)


class _Node:
    """A YAML node with its file position, for error messages that name the line."""

    def __init__(self, node: yaml.Node, source: Path) -> None:
        self.node = node
        self.source = source

    def error(self, message: str) -> PolicyError:
        return PolicyError(f"{self.source}:{self.node.start_mark.line + 1}: {message}")

    def value(self) -> Any:
        return yaml.SafeLoader("").construct_object(self.node, deep=True)

    def mapping(self, what: str, allowed: tuple[str, ...]) -> dict[str, _Node]:
        if not isinstance(self.node, yaml.MappingNode):
            raise self.error(f"{what} must be a mapping of keys to values")
        out: dict[str, _Node] = {}
        for key_node, value_node in self.node.value:
            key = _Node(key_node, self.source)
            name = key.value()
            if name not in allowed:
                raise key.error(f"unknown key {name!r} in {what}; expected one of {allowed}")
            if name in out:
                raise key.error(f"duplicate key {name!r} in {what}")
            out[name] = _Node(value_node, self.source)
        return out

    def items(self, what: str) -> list[_Node]:
        if not isinstance(self.node, yaml.SequenceNode):
            raise self.error(f"{what} must be a list")
        return [_Node(n, self.source) for n in self.node.value]

    def text(self, what: str, *, allow_empty: bool = False) -> str:
        value = self.value()
        if not isinstance(value, str) or (not allow_empty and not value.strip()):
            raise self.error(f"{what} must be a non-empty string")
        return value.strip()

    def number(self, what: str, low: float = 0.0, high: float = 1.0) -> float:
        value = self.value()
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not low <= value <= high
        ):
            raise self.error(f"{what} must be a number from {low} to {high}, got {value!r}")
        return float(value)

    def integer(self, what: str, low: int, high: int) -> int:
        value = self.value()
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.error(f"{what} must be a whole number from {low} to {high}, got {value!r}")
        return value

    def flag(self, what: str) -> bool:
        value = self.value()
        if not isinstance(value, bool):
            raise self.error(f"{what} must be true or false, got {value!r}")
        return value

    def texts(self, what: str) -> tuple[str, ...]:
        return tuple(item.text(f"each entry of {what}") for item in self.items(what))


def _optional(
    fields: dict[str, _Node], key: str, read: Callable[[_Node], Any], default: Any
) -> Any:
    return read(fields[key]) if key in fields else default


def _required(fields: dict[str, _Node], key: str, where: _Node, what: str) -> _Node:
    if key not in fields:
        raise where.error(f"{what} is missing required key {key!r}")
    return fields[key]


_CATEGORY_KEYS = (
    "id",
    "name",
    "description",
    "examples",
    "action",
    "message",
    "rephrase_hint",
    "anchor",
    "block_threshold",
    "warn_threshold",
    "image_threshold",
    "image_action",
    "safety_concept",
    "blocklist",
    "keywords",
    "negative_blocklist",
    "scan_negative_prompt",
    "classifier_stand_in",
    "classifier_support",
)


def _category(node: _Node) -> Category:
    fields = node.mapping("a category", _CATEGORY_KEYS)
    id_node = _required(fields, "id", node, "a category")
    category_id = id_node.text("id")
    if not _SLUG.match(category_id):
        raise id_node.error(
            f"category id {category_id!r} must be a lower-case slug like 'self-harm'"
        )
    where = f"category {category_id!r}"
    action = _action(_required(fields, "action", node, where), "action")
    image_action = _optional(fields, "image_action", lambda n: _action(n, "image_action"), None)
    if Action.REGENERATE in (action, image_action) and "safety_concept" not in fields:
        key = "action" if action is Action.REGENERATE else "image_action"
        raise fields[key].error(
            f"{where}: {key} regenerate steers the generator away from the category's "
            "safety_concept, so it needs one (for example safety_concept: skull and crossbones)"
        )
    block = _optional(fields, "block_threshold", lambda n: n.number("block_threshold"), 0.8)
    warn = _optional(fields, "warn_threshold", lambda n: n.number("warn_threshold"), 0.5)
    if warn > block:
        raise fields["warn_threshold"].error("warn_threshold must not exceed block_threshold")
    if "classifier_stand_in" in fields and not fields.keys() & {"blocklist", "keywords"}:
        raise fields["classifier_stand_in"].error(
            f"{where}: classifier_stand_in replaces keyword matches, so it needs a blocklist "
            "or keywords"
        )
    examples_node = _required(fields, "examples", node, where)
    examples = examples_node.texts("examples")
    if not examples:
        raise examples_node.error(f"{where} needs at least one example prompt")
    return Category(
        id=category_id,
        name=_required(fields, "name", node, where).text("name"),
        description=_required(fields, "description", node, where).text("description"),
        examples=examples,
        action=action,
        message=_required(fields, "message", node, where).text("message"),
        rephrase_hint=_optional(fields, "rephrase_hint", lambda n: n.text("rephrase_hint"), ""),
        anchor=_optional(fields, "anchor", lambda n: n.text("anchor"), category_id),
        block_threshold=block,
        warn_threshold=warn,
        image_threshold=_optional(
            fields, "image_threshold", lambda n: n.number("image_threshold"), None
        ),
        image_action=image_action,
        safety_concept=_optional(
            fields, "safety_concept", lambda n: n.text("safety_concept"), None
        ),
        blocklist=_optional(fields, "blocklist", lambda n: n.text("blocklist"), None),
        keywords=_optional(fields, "keywords", lambda n: n.texts("keywords"), ()),
        negative_blocklist=_optional(
            fields, "negative_blocklist", lambda n: n.text("negative_blocklist"), None
        ),
        scan_negative_prompt=_optional(
            fields, "scan_negative_prompt", lambda n: n.flag("scan_negative_prompt"), False
        ),
        classifier_stand_in=_optional(
            fields, "classifier_stand_in", lambda n: n.text("classifier_stand_in"), None
        ),
        classifier_support=_optional(fields, "classifier_support", _classifier_support, ()),
    )


def _classifier_support(node: _Node) -> tuple[tuple[str, float], ...]:
    if not isinstance(node.node, yaml.MappingNode) or not node.node.value:
        raise node.error(
            "classifier_support must map category ids to scores (for example sexual: 0.1)"
        )
    pairs = [(_Node(k, node.source), _Node(v, node.source)) for k, v in node.node.value]
    return tuple(
        (key.text("a category id"), value.number("a support score")) for key, value in pairs
    )


def _action(node: _Node, key: str) -> Action:
    try:
        return Action(node.text(key))
    except ValueError:
        choices = ", ".join(a.value for a in Action)
        raise node.error(f"{key} must be one of {choices}") from None


def _page(node: _Node) -> PageSettings:
    keys = ("title", "usage_policy", "require_age_confirmation", "minimum_age", "terms")
    fields = node.mapping("page", keys)
    defaults = PageSettings()
    return PageSettings(
        title=_optional(fields, "title", lambda n: n.text("title"), defaults.title),
        usage_policy=_optional(
            fields, "usage_policy", lambda n: n.text("usage_policy"), defaults.usage_policy
        ),
        require_age_confirmation=_optional(
            fields,
            "require_age_confirmation",
            lambda n: n.flag("require_age_confirmation"),
            defaults.require_age_confirmation,
        ),
        minimum_age=_optional(
            fields, "minimum_age", lambda n: n.integer("minimum_age", 0, 120), defaults.minimum_age
        ),
        terms=_optional(fields, "terms", lambda n: n.text("terms", allow_empty=True), ""),
    )


def _anchors(markdown: str) -> set[str]:
    return set(_HTML_ANCHOR.findall(markdown))


def _escalations(node: _Node, known: set[str]) -> tuple[Escalation, ...]:
    out = []
    for item in node.items("escalations"):
        fields = item.mapping("an escalation", ("when_all", "category"))
        when_node = _required(fields, "when_all", item, "an escalation")
        when_all = when_node.texts("when_all")
        target_node = _required(fields, "category", item, "an escalation")
        target = target_node.text("category")
        for name, at in [(c, when_node) for c in when_all] + [(target, target_node)]:
            if name not in known:
                raise at.error(f"escalation names unknown category {name!r}")
        if len(when_all) < 2:
            raise when_node.error("when_all needs at least two categories")
        out.append(Escalation(when_all=when_all, category=target))
    return tuple(out)


_TOP_KEYS = (
    "version",
    "page",
    "limits",
    "prompt_checks",
    "keywords",
    "semantic",
    "escalations",
    "input_error_message",
    "categories",
)


def parse_policy(text: str, source: Path, assets_dir: Path | None = None) -> Policy:
    """Validate policy YAML `text`; `source` names it in errors and anchors its paths."""
    assets_dir = source.parent if assets_dir is None else assets_dir
    try:
        root_node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise PolicyError(f"{source}:{line}: not valid YAML: {error.problem}") from None
    if root_node is None:
        raise PolicyError(f"{source}:1: the policy file is empty")
    root = _Node(root_node, source)
    fields = root.mapping("the policy", _TOP_KEYS)

    categories_node = _required(fields, "categories", root, "the policy")
    categories = tuple(_category(item) for item in categories_node.items("categories"))
    if not categories:
        raise categories_node.error("the policy needs at least one category")
    seen: set[str] = set()
    for item, category in zip(categories_node.items("categories"), categories, strict=True):
        if category.id in seen:
            raise item.error(f"duplicate category id {category.id!r}")
        seen.add(category.id)
    for item, category in zip(categories_node.items("categories"), categories, strict=True):
        for supporter, _ in category.classifier_support:
            if supporter not in seen or supporter == category.id:
                where = item.mapping("a category", _CATEGORY_KEYS)["classifier_support"]
                raise where.error(
                    f"category {category.id!r}: classifier_support names {supporter!r}, "
                    "which is not another category of this policy"
                )

    checks_node = _required(fields, "prompt_checks", root, "the policy")
    checks = checks_node.texts("prompt_checks")
    if not checks:
        raise checks_node.error("prompt_checks must name at least one check")
    for check in checks:
        if check not in PROMPT_CHECKS:
            raise checks_node.error(f"unknown prompt check {check!r}; known: {PROMPT_CHECKS}")

    limits = _optional(fields, "limits", lambda n: n.mapping("limits", ("max_prompt_chars",)), {})
    keywords = _optional(
        fields, "keywords", lambda n: n.mapping("keywords", ("allowlist", "allow")), {}
    )
    semantic = _optional(
        fields,
        "semantic",
        lambda n: n.mapping(
            "semantic",
            (
                "head",
                "similarity_floor",
                "similarity_ceiling",
                "safe_examples",
                "other_language_words",
            ),
        ),
        {},
    )
    floor = _optional(semantic, "similarity_floor", lambda n: n.number("similarity_floor"), 0.45)
    ceiling = _optional(
        semantic, "similarity_ceiling", lambda n: n.number("similarity_ceiling"), 0.8
    )
    if ceiling <= floor:
        raise semantic["similarity_ceiling"].error(
            "similarity_ceiling must exceed similarity_floor"
        )
    page = _optional(fields, "page", _page, PageSettings())

    usage_policy = assets_dir / page.usage_policy
    if usage_policy.is_file():
        anchors = _anchors(usage_policy.read_text(encoding="utf-8"))
        for item, category in zip(categories_node.items("categories"), categories, strict=True):
            if category.anchor not in anchors:
                raise item.error(
                    f"category {category.id!r}: anchor {category.anchor!r} is not in {usage_policy}"
                )

    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    version = _optional(fields, "version", lambda n: str(n.value()), None)
    return Policy(
        version=version or f"sha256:{digest[:12]}",
        digest=digest,
        source=source,
        assets_dir=assets_dir,
        categories=categories,
        page=page,
        prompt_checks=checks,
        max_prompt_chars=_optional(
            limits,
            "max_prompt_chars",
            lambda n: n.integer("max_prompt_chars", 1, 100_000),
            2000,
        ),
        allowlist=_optional(keywords, "allowlist", lambda n: n.text("allowlist"), None),
        allowed_phrases=_optional(keywords, "allow", lambda n: n.texts("allow"), ()),
        classifier_head=_optional(semantic, "head", lambda n: n.text("head"), None),
        similarity_floor=floor,
        similarity_ceiling=ceiling,
        safe_examples=_optional(semantic, "safe_examples", lambda n: n.texts("safe_examples"), ()),
        other_language_words=_optional(
            semantic, "other_language_words", lambda n: n.text("other_language_words"), None
        ),
        escalations=_optional(fields, "escalations", lambda n: _escalations(n, seen), ()),
        input_error_message=_optional(
            fields,
            "input_error_message",
            lambda n: n.text("input_error_message"),
            Policy.input_error_message,
        ),
    )


def read_policy_text(path: Path) -> str:
    """The policy file's text; PolicyError if it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyError(f"{path}: cannot read the policy file: {error}") from None


def load_policy(path: Path, assets_dir: Path | None = None) -> Policy:
    """Read and validate the policy file at `path`; raise PolicyError naming the line."""
    return parse_policy(read_policy_text(path), path, assets_dir)
