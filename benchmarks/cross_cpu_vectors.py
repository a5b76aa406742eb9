"""Does a prompt get the same vector on every x86 CPU? `python -m benchmarks.cross_cpu_vectors`.

ONNX Runtime picks its integer kernels by CPU: AVX-512 VNNI and AVX-VNNI sum 8-bit
products exactly, while plain AVX2 adds them in pairs into 16 bits, which can
saturate. The guard's verdicts come from vectors of the int8 MiniLM graph, so a
guard whose vectors differ by CPU blocks different prompts on different machines.

This runs the guard's graph on test prompts twice, natively and as a Haswell (AVX2,
no VNNI) under QEMU's user-mode emulator (Debian's `qemu-user` package), and counts
bit-identical vectors, the lowest cosine between the two, and prompts whose verdict
from the classifier head (against the policy's warn and block thresholds) differs.
`--weight-bits 8` does the same for the graph quantised to full 8-bit weights.
Emulation runs about 150 times slower: 200 prompts take about 3 minutes.
"""

from __future__ import annotations

import argparse
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

EMULATED_CPU = "Haswell-v4"
EMULATOR = "qemu-x86_64"


def run_graph(graph: Path, inputs: Path, out: Path) -> None:
    """Embed each tokenised prompt in `inputs` alone on one thread, as training does.
    Imports only ONNX Runtime and NumPy, because it also runs under the emulator."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
    with np.load(inputs) as data:
        prompts = [data[name] for name in sorted(data.files, key=lambda n: int(n.split("_")[1]))]
    vectors = [
        session.run(
            None, {"input_ids": ids[None], "attention_mask": np.ones((1, len(ids)), np.int64)}
        )[0][0]
        for ids in prompts
    ]
    np.save(out, np.stack(vectors))


def _test_prompts(count: int, seed: int) -> list[str]:
    from safety.normalize import normalize
    from safety.prompt_datasets import load_sets, split

    texts = [p.text for rows in split(load_sets(), "test").values() for p in rows]
    random.Random(seed).shuffle(texts)
    return [normalize(t).readable for t in texts[:count]]


def _head_verdicts(vectors: np.ndarray) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Per prompt: the head's categories at or above their block, and their warn, thresholds."""
    from benchmarks.prompt_safety import POLICY
    from safety.policy import load_policy
    from safety.semantic import ClassifierHead

    policy = load_policy(POLICY)
    head = ClassifierHead.load(policy.path(policy.classifier_head))
    scores = head.against_safe(vectors)
    categories = [(i, policy.category(c)) for i, c in enumerate(head.classes) if c != "safe"]

    def reached(row: np.ndarray, level: str) -> tuple[str, ...]:
        return tuple(c.id for i, c in categories if row[i] >= getattr(c, f"{level}_threshold"))

    return [(reached(row, "block"), reached(row, "warn")) for row in scores]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--weight-bits", type=int, choices=(7, 8), default=7)
    parser.add_argument("--run-graph", nargs=3, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run_graph:
        run_graph(*args.run_graph)
        return
    print("command: python -m benchmarks.cross_cpu_vectors " + shlex.join(sys.argv[1:]))
    if shutil.which(EMULATOR) is None:
        sys.exit(f"{EMULATOR} not found: install Debian's qemu-user package")

    from transformers import AutoTokenizer

    from safety.minilm_onnx import export_float_graph, minilm_path, quantize_int8
    from safety.semantic import MAX_TOKENS

    with tempfile.TemporaryDirectory(prefix="cross-cpu-") as folder:
        work = Path(folder)
        export_float_graph(minilm_path(), work / "float.onnx")
        quantize_int8(work / "float.onnx", work / "int8.onnx", weight_bits=args.weight_bits)
        tokenizer = AutoTokenizer.from_pretrained(minilm_path(), local_files_only=True)
        ids = tokenizer(
            _test_prompts(args.prompts, args.seed), truncation=True, max_length=MAX_TOKENS
        )["input_ids"]
        np.savez(work / "inputs.npz", *[np.array(row, dtype=np.int64) for row in ids])
        runs = {
            "native": [sys.executable],
            "emulated": [EMULATOR, "-cpu", EMULATED_CPU, sys.executable],
        }
        vectors = {}
        for name, command in runs.items():
            out = work / f"{name}.npy"
            subprocess.run(
                [
                    *command,
                    "-m",
                    __spec__.name,
                    "--run-graph",
                    str(work / "int8.onnx"),
                    str(work / "inputs.npz"),
                    str(out),
                ],
                check=True,
                stderr=subprocess.DEVNULL if name == "emulated" else None,  # QEMU's CPUID notes
            )
            vectors[name] = np.load(out)
    native, emulated = vectors["native"], vectors["emulated"]
    cosine = (native * emulated).sum(axis=1)
    identical = int((native == emulated).all(axis=1).sum())
    changed = sum(
        a != b for a, b in zip(_head_verdicts(native), _head_verdicts(emulated), strict=True)
    )
    print(
        f"{args.weight_bits}-bit weights, {len(native)} test prompts, "
        f"this CPU against an emulated {EMULATED_CPU}:"
    )
    print(f"  bit-identical vectors: {identical}")
    print(f"  cosine: lowest {cosine.min():.4f}, mean {cosine.mean():.5f}")
    print(f"  head verdicts (categories at warn or block) that differ: {changed}")


if __name__ == "__main__":
    main()
