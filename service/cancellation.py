"""Cancelling a run that is already on the pipeline.

Gradio can stop waiting for an event, but it cannot stop a function running in a worker
thread. The engine checks a per-session flag after every denoising step instead, so Cancel
frees the pipeline within one step.
"""

from __future__ import annotations

import threading


class CancelRegistry:
    """One flag per browser session; a new run clears its session's flag."""

    def __init__(self) -> None:
        self._flags: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def start(self, session_id: str) -> threading.Event:
        with self._lock:
            flag = self._flags[session_id] = threading.Event()
        return flag

    def cancel(self, session_id: str) -> bool:
        """Ask the session's running job to stop; False when it has none."""
        with self._lock:
            flag = self._flags.get(session_id)
        if flag is None:
            return False
        flag.set()
        return True

    def finish(self, session_id: str, flag: threading.Event) -> None:
        with self._lock:
            if self._flags.get(session_id) is flag:
                del self._flags[session_id]
