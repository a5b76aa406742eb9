"""Command-line checks for scripts and audits.

`python -m safety.cli prompts [--explain]` reads one prompt per line on stdin
and writes one JSON object per line to stdout: `action`, `category`, `score`,
and with `--explain` the user message, the moderator explanation and every
finding. Lines that are not valid UTF-8 are checked with the bad bytes
replaced, never skipped.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, TextIO

from safety.guard import PromptGuard, build_prompt_guard
from safety.policy import load_policy
from safety.verdict import Verdict

DEFAULT_POLICY = Path(__file__).resolve().parent.parent / "assets" / "policy.yaml"
BATCH = 64


def verdict_record(verdict: Verdict, explain: bool) -> dict:
    record: dict = {
        "action": verdict.action.value,
        "category": verdict.category,
        "score": round(verdict.score, 4),
    }
    if explain:
        record["message"] = verdict.message
        record["explanation"] = verdict.explanation
        record["policy_version"] = verdict.policy_version
        record["findings"] = [
            {
                "check": f.check,
                "category": f.category,
                "score": round(f.score, 4),
                "evidence": f.evidence,
            }
            for f in verdict.findings
        ]
    return record


def _batches(stream: BinaryIO) -> Iterator[list[str]]:
    batch: list[str] = []
    for raw in stream:
        batch.append(raw.decode("utf-8", errors="replace").rstrip("\r\n"))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def check_prompts(guard: PromptGuard, stream: BinaryIO, out: TextIO, explain: bool) -> None:
    for batch in _batches(stream):
        for verdict in guard.check_many(batch):
            out.write(json.dumps(verdict_record(verdict, explain), ensure_ascii=False) + "\n")
        out.flush()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m safety.cli", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    prompts = commands.add_parser("prompts", help="check prompts, one per line on stdin")
    prompts.add_argument("--explain", action="store_true", help="add the evidence for each verdict")
    prompts.add_argument("--policy", type=Path, default=DEFAULT_POLICY, help="policy file")
    args = parser.parse_args(argv)

    guard = build_prompt_guard(load_policy(args.policy))
    check_prompts(guard, sys.stdin.buffer, sys.stdout, args.explain)
    return 0


if __name__ == "__main__":
    sys.exit(main())
