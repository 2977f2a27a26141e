"""Shared fixtures: the databases the storage tests run against.

SQLite always; PostgreSQL when `BACKHAUL_TEST_POSTGRES_URL` is set (`.ci/run` starts a server and
sets it, and then a missing server is a failure, not a skip).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

POSTGRES_URL = os.environ.get("BACKHAUL_TEST_POSTGRES_URL")


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'backhaul.db'}"
        return
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must test PostgreSQL: BACKHAUL_TEST_POSTGRES_URL is not set")
        pytest.skip("BACKHAUL_TEST_POSTGRES_URL is not set (.ci/run sets it)")
    _reset_postgres(POSTGRES_URL)
    yield POSTGRES_URL
