"""The prompt-safety benchmark's reading of peers at the issue's false-positive bar."""

from __future__ import annotations

import numpy as np

from benchmarks.prompt_safety import BENIGN_FP_BAR, Detector, _peers_at_fp


def test_a_peer_is_read_at_the_threshold_that_blocks_the_bars_share_of_benign() -> None:
    peer = Detector("peer", lambda texts: np.zeros(len(texts)), 0.5)
    benign = np.linspace(0.0, 1.0, 1000)  # 2% of these lie above 0.98
    unsafe = np.array([0.995] * 30 + [0.5] * 70)
    scores = {"peer": {"benign/a": benign[:500], "benign/b": benign[500:], "unsafe": unsafe}}

    [row] = _peers_at_fp(scores, [peer], ["benign/a", "benign/b"], ["unsafe"])

    name, fp, recall, tripled = row
    assert name == "peer"
    assert float(fp) <= 100 * BENIGN_FP_BAR
    assert float(recall) == 30.0
    assert float(tripled) == 90.0
