"""Shared fixtures.

- `database_url`: the databases the storage tests run against. SQLite always; PostgreSQL when
  `BACKHAUL_TEST_POSTGRES_URL` is set (`.ci/run` starts a server and sets it, and then a missing
  server is a failure, not a skip).
- `store`: a migrated store on each `database_url`.
- `tiny_region`: the tiny test region (`tests/fixtures/regions/tiny`, 207 road nodes), loaded once.
- `shanghai`: the bundled `shanghai-central` region (1,505 road nodes), loaded once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from api.store import Store
from optimizer.geo.region import Region, load_region
from tests.paths import TINY_REGION

POSTGRES_URL = os.environ.get("BACKHAUL_TEST_POSTGRES_URL")


def reset_postgres(url: str) -> None:
    """Empty the PostgreSQL test database (every table and type gone)."""
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
    reset_postgres(POSTGRES_URL)
    yield POSTGRES_URL


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A migrated store on a fresh database of each kind, closed after the test."""
    store = Store(database_url)
    store.migrate()
    yield store
    store.dispose()


@pytest.fixture(scope="session")
def tiny_region() -> Region:
    """The tiny test region; its road graph is built once for the whole run."""
    return load_region(TINY_REGION)


@pytest.fixture(scope="session")
def shanghai() -> Region:
    """The bundled test-sized region, for tests that need more sites or a larger network."""
    return load_region("shanghai-central")
