"""Errors a user can cause, carrying the sentence to show them."""

from __future__ import annotations


class InvalidRequest(ValueError):
    """The request cannot be run as asked; the message says what to change."""


class ServiceUnavailable(RuntimeError):
    """A part the request depends on (the database) failed; nothing was shown or lost."""
