from __future__ import annotations

from service.cancellation import CancelRegistry


def test_cancel_sets_the_running_sessions_flag_only():
    registry = CancelRegistry()
    mine, theirs = registry.start("me"), registry.start("them")
    assert registry.cancel("me")
    assert mine.is_set() and not theirs.is_set()


def test_cancel_without_a_running_job_does_nothing():
    assert not CancelRegistry().cancel("nobody")


def test_a_new_run_starts_uncancelled():
    registry = CancelRegistry()
    first = registry.start("me")
    registry.cancel("me")
    registry.finish("me", first)
    assert not registry.start("me").is_set()
