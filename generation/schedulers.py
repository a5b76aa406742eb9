"""The samplers a user can pick, by the names people know them by in other UIs."""

from __future__ import annotations

from diffusers import (
    DDIMScheduler,
    DPMSolverMultistepScheduler,
    EulerAncestralDiscreteScheduler,
    EulerDiscreteScheduler,
    SchedulerMixin,
)

SCHEDULERS: dict[str, tuple[type[SchedulerMixin], dict[str, object]]] = {
    "Euler a": (EulerAncestralDiscreteScheduler, {}),
    "Euler": (EulerDiscreteScheduler, {}),
    "DPM++ 2M": (DPMSolverMultistepScheduler, {"algorithm_type": "dpmsolver++"}),
    "DPM++ 2M Karras": (
        DPMSolverMultistepScheduler,
        {"algorithm_type": "dpmsolver++", "use_karras_sigmas": True},
    ),
    "DDIM": (DDIMScheduler, {}),
}
DEFAULT_SCHEDULER = "Euler a"


def make_scheduler(name: str, base_config: dict) -> SchedulerMixin:
    """A fresh scheduler of the named kind, keeping the model's noise schedule."""
    scheduler_class, overrides = SCHEDULERS[name]
    return scheduler_class.from_config(base_config, **overrides)
