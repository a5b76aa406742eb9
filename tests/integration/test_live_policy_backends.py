"""The live-policy suite of tests/unit/test_live_policy.py, on SQLite and PostgreSQL: the
revisions replicas share live in the database they share."""

from __future__ import annotations

import pytest

from tests.unit.test_live_policy import *  # noqa: F403

pytestmark = pytest.mark.integration
