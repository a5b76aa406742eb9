"""Pieces the review tab and its policy editor share: how refusals and failures reach a
moderator (as messages, not traces) and the read-only tables the handlers fill."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import gradio as gr

from safety.moderators import SignInLocked
from safety.ratelimit import wait_text
from service.errors import InvalidRequest, ServiceUnavailable

P = ParamSpec("P")
R = TypeVar("R")


def user_errors(handler: Callable[P, R]) -> Callable[P, R]:
    """Refusals and store failures reach the moderator as messages, not stack traces."""

    @functools.wraps(handler)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return handler(*args, **kwargs)
        except SignInLocked as error:
            raise gr.Error(
                f"Too many failed sign-ins. Try again in {wait_text(error.retry_after_s)}.",
                title="Not signed in",
            ) from None
        except PermissionError:
            raise gr.Error(
                "That name and password do not match a moderator.", title="Not signed in"
            ) from None
        except (InvalidRequest, ServiceUnavailable) as error:
            raise gr.Error(str(error), title="Not done") from None

    return wrapped


def read_only_table(
    headers: list[str], label: str, elem_id: str, render: bool = True
) -> gr.Dataframe:
    """A read-only table the handlers fill; long cells wrap."""
    return gr.Dataframe(
        headers=headers,
        value=[],
        interactive=False,
        wrap=True,
        label=label,
        elem_id=elem_id,
        render=render,
    )
