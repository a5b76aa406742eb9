"""Runs the store and rate-limiter suites on SQLite and on a real PostgreSQL server.

PostgreSQL comes from `SAFECANVAS_TEST_POSTGRES_URL` (default: the local
server with trust authentication). Each test gets a fresh schema, dropped
afterwards. Without a reachable server the PostgreSQL cases are skipped with
the reason, except in CI (`CI=true`), where they fail.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from safety.guard import PromptGuard, build_prompt_guard
from safety.policy import Policy, load_policy
from safety.semantic import Embedder, load_embedder
from tests.unit.conftest import clock, keyword_guard, live_policy, policy, store, write_lock

__all__ = ["clock", "keyword_guard", "live_policy", "policy", "store", "write_lock"]

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    url = os.environ.get("SAFECANVAS_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        reason = f"PostgreSQL not reachable at {make_url(url)!r}: {error.orig}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    finally:
        engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'safecanvas.db'}"
        return
    server_url = request.getfixturevalue("postgres_server_url")
    schema = f"safecanvas_test_{secrets.token_hex(6)}"
    admin = create_engine(server_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


ASSETS = Path(__file__).resolve().parents[2] / "assets"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return load_embedder()


@pytest.fixture(scope="session")
def full_policy() -> Policy:
    return load_policy(ASSETS / "policy.yaml")


@pytest.fixture(scope="session")
def guard(full_policy: Policy, embedder: Embedder) -> PromptGuard:
    """The whole prompt guard as the app builds it: keywords, MiniLM and the trained head."""
    return build_prompt_guard(full_policy, embedder=embedder)
