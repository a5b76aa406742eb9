"""The prompt guard on prompts in other languages: `python -m benchmarks.multilingual_prompts`.

No public set of image prompts labelled for safety covers other languages, so
`benchmarks/data/multilingual_probes.tsv` holds 102 prompts written for this check
(five unsafe and five benign in each of nine languages, two and two in three more).
They were written before the guard's results on them were read, and were not
changed after. Small and hand-made: a probe of coverage per language, not a measure
of recall. The semantic classifier reads English only (it sees other scripts
transliterated), so what is caught here is mostly the blocklists' doing.
"""

from __future__ import annotations

import argparse
import csv
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.prompt_safety import POLICY
from safety.guard import build_prompt_guard
from safety.policy import load_policy
from safety.prompt_datasets import SAFE
from safety.verdict import Action, Verdict

PROBES = Path(__file__).resolve().parent / "data" / "multilingual_probes.tsv"


@dataclass(frozen=True)
class Probe:
    language: str
    label: str  # a policy category, or "safe"
    prompt: str


def load_probes(path: Path = PROBES) -> list[Probe]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [Probe(**row) for row in csv.DictReader(handle, delimiter="\t")]


@dataclass(frozen=True)
class LanguageRow:
    language: str
    unsafe: int
    blocked: int  # unsafe prompts blocked, under any rule
    as_labelled: int  # of those, under the rule they were labelled with
    benign: int
    benign_blocked: int
    benign_warned: int  # drawn with a warning notice


def tabulate(probes: Sequence[Probe], verdicts: Sequence[Verdict]) -> list[LanguageRow]:
    """One row per language, in the order the languages first appear."""
    rows = []
    for language in dict.fromkeys(p.language for p in probes):
        pairs = [(p, v) for p, v in zip(probes, verdicts, strict=True) if p.language == language]
        unsafe = [(p, v) for p, v in pairs if p.label != SAFE]
        benign = [v for p, v in pairs if p.label == SAFE]
        rows.append(
            LanguageRow(
                language=language,
                unsafe=len(unsafe),
                blocked=sum(not v.allowed for _, v in unsafe),
                as_labelled=sum(not v.allowed and v.category == p.label for p, v in unsafe),
                benign=len(benign),
                benign_blocked=sum(not v.allowed for v in benign),
                benign_warned=sum(v.action is Action.WARN for v in benign),
            )
        )
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--explain", action="store_true", help="print each prompt's verdict")
    args = parser.parse_args(argv)
    print("command: python -m benchmarks.multilingual_prompts " + shlex.join(sys.argv[1:]))
    probes = load_probes()
    guard = build_prompt_guard(load_policy(POLICY))
    verdicts = [guard.check(p.prompt) for p in probes]
    if args.explain:
        for probe, verdict in zip(probes, verdicts, strict=True):
            print(
                f"{probe.language}  {probe.label:<16}  {verdict.action.value:<5}  "
                f"{verdict.category or '-':<22}  {probe.prompt}"
            )
        print()
    print("language  unsafe blocked  under its rule  benign blocked  benign warned")
    for row in tabulate(probes, verdicts):
        print(
            f"{row.language:<8}  {row.blocked:>6} of {row.unsafe}  {row.as_labelled:>9} of "
            f"{row.unsafe}  {row.benign_blocked:>9} of {row.benign}  "
            f"{row.benign_warned:>8} of {row.benign}"
        )


if __name__ == "__main__":
    main()
