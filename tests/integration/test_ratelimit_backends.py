"""The rate-limiter suite of tests/unit/test_ratelimit.py, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.unit.test_ratelimit import *  # noqa: F403

pytestmark = pytest.mark.integration
