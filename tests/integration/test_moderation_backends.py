"""The moderation-desk suite of tests/unit/test_moderation_desk.py, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.unit.test_moderation_desk import *  # noqa: F403

pytestmark = pytest.mark.integration
