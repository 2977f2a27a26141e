"""Property-based fuzzing of every operation against the service's own OpenAPI schema: never a 5xx."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from api.main import create_app
from tests.api.api_client import PLATFORM, settings as service_settings

FOLDER = Path(tempfile.mkdtemp(prefix="backhaul-fuzz-"))
APP = create_app(service_settings(f"sqlite:///{FOLDER / 'fuzz.db'}", max_plan_time_limit_s=1.0))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def _running_app() -> Iterator[None]:
    """Run the lifespan once: region, matrices and store stay open for every generated call."""
    with TestClient(APP):
        yield
    shutil.rmtree(FOLDER, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_input_makes_the_server_fail(case: schemathesis.Case[Any]) -> None:
    response = case.call(headers=PLATFORM)
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code} {response.text}"
