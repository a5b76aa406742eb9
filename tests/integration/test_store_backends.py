"""The event-store suite of tests/unit/test_store.py, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.unit.test_store import *  # noqa: F403

pytestmark = pytest.mark.integration
