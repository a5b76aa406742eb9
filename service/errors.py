"""Errors a user can cause, carrying the sentence to show them."""

from __future__ import annotations


class InvalidRequest(ValueError):
    """The request cannot be run as asked; the message says what to change."""
