"""Errors a user can cause, carrying the sentence to show them, and the one translation
of store failures into such sentences."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from safety.store import StoreError, UnknownReference

log = logging.getLogger(__name__)

T = TypeVar("T")


class InvalidRequest(ValueError):
    """The request cannot be run as asked; the message says what to change."""


class ServiceUnavailable(RuntimeError):
    """A part the request depends on (the database) failed; nothing was shown or lost."""


def from_store(call: Callable[[], T], *, unknown: str, failed: str) -> T:
    """Run one store call for a person: an unknown reference becomes `InvalidRequest(unknown)`,
    a store failure is logged and becomes `ServiceUnavailable(failed)`."""
    try:
        return call()
    except UnknownReference:
        raise InvalidRequest(unknown) from None
    except StoreError as error:
        log.error("store call failed (%s): %s", failed, error)
        raise ServiceUnavailable(failed) from error
