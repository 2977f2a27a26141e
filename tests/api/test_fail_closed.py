"""Authentication and settings fail closed: no keys, a misspelt variable or a wrong key is refused loudly."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.config import Settings
from api.main import create_app
from backhaul.cli import app
from tests.api.api_client import return_fields, settings, tomorrow

QUOTE = return_fields() | {"date_from": tomorrow().isoformat()}


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No keys and no development mode in the environment."""
    for name in ("BACKHAUL_API_KEYS", "BACKHAUL_DEV"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.usefixtures("clean_environment")
def test_serve_without_api_keys_refuses_to_start_unless_dev() -> None:
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 2
    assert "BACKHAUL_API_KEYS is not set" in result.output
    assert "Traceback" not in result.output


@pytest.mark.usefixtures("clean_environment")
def test_dev_mode_is_refused_on_a_non_loopback_host() -> None:
    result = CliRunner().invoke(app, ["serve", "--dev", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "refused on the non-loopback host 0.0.0.0" in result.output


def test_a_misspelt_backhaul_variable_is_an_error_not_a_default(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("BACKHAUL_COURIERS_PER_DEPO", "9")
    with pytest.raises(ValueError, match="BACKHAUL_COURIERS_PER_DEPO: not a setting"):
        Settings.from_environment()
    result = CliRunner().invoke(app, ["serve", "--dev"])
    assert result.exit_code == 2
    assert "BACKHAUL_COURIERS_PER_DEPO: not a setting" in result.output


def test_an_app_without_keys_and_without_dev_mode_does_not_start(database_url: str) -> None:
    with (
        pytest.raises(RuntimeError, match="refusing to serve every caller"),
        TestClient(create_app(settings(database_url, api_keys=""))),
    ):
        pass


def test_keys_are_kept_and_compared_as_hashes(database_url: str) -> None:
    digest = hashlib.sha256(b"s3cret-key").hexdigest()
    configured = settings(database_url, api_keys=f"shop:sha256={digest},other:plain-key")
    assert "s3cret-key" not in str(configured.tenants_by_key)
    assert "plain-key" not in str(configured.tenants_by_key)
    with TestClient(create_app(configured)) as client:
        assert client.post("/v1/quotes", json=QUOTE, headers={"X-API-Key": "s3cret-key"}).status_code == 200
        assert client.post("/v1/quotes", json=QUOTE, headers={"X-API-Key": "plain-key"}).status_code == 200
        assert client.post("/v1/quotes", json=QUOTE, headers={"X-API-Key": digest}).status_code == 401
        assert client.post("/v1/quotes", json=QUOTE).status_code == 401


def test_a_badly_written_hashed_key_is_a_settings_error(database_url: str) -> None:
    with pytest.raises(ValueError, match="sha256= and 64 lowercase hex digits"):
        settings(database_url, api_keys="shop:sha256=abc")


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("BACKHAUL_CENTER_CAPACITY", "[1]", r'a JSON object \{"default" or "YYYY-MM-DD"'),
        ("BACKHAUL_CENTER_CAPACITY", '{"2026-13-01": {"C1": 5}}', r'a JSON object \{"default" or "YYYY-MM-DD"'),
        ("BACKHAUL_CENTER_CAPACITY", '{"default": {"C9": 5}}', r"center_capacity\.default\.C9: no center 'C9'"),
        (
            "BACKHAUL_CENTER_CAPACITY",
            '{"2026-11-12": {"C1/apparel": -1}}',
            r"center_capacity\.2026-11-12\.C1/apparel: must be a whole number",
        ),
        (
            "BACKHAUL_CENTER_CAPACITY",
            '{"default": {"C2/bulky": 5}}',
            r"center_capacity\.default\.C2/bulky: center C2 does not process 'bulky'",
        ),
        ("BACKHAUL_CENTER_TENANTS", "lab:C9", r"BACKHAUL_CENTER_TENANTS: lab: C9 is not a center of shanghai-central"),
        ("BACKHAUL_CENTER_TENANTS", "lab", r"bad setting: center_tenants: .*each entry must be tenant:id"),
        ("BACKHAUL_WEBHOOKS", '{"shop": {"url": "https://h.example"}}', r"bad setting: webhooks: .*shop: a JSON"),
    ],
)
def test_a_setting_that_names_what_the_region_lacks_stops_the_server_before_it_starts(
    clean_environment: pytest.MonkeyPatch, tmp_path: Path, variable: str, value: str, message: str
) -> None:
    clean_environment.setenv("BACKHAUL_REGION", "shanghai-central")
    clean_environment.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'backhaul.db'}")
    clean_environment.setenv(variable, value)
    result = CliRunner().invoke(app, ["serve", "--dev", "--port", "8931"])
    assert result.exit_code == 2
    assert re.search(message, " ".join(result.output.split())), result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BACKHAUL_PRICING_RADIUS_M", "-3"),
        ("BACKHAUL_PRICING_RADIUS_M", "near"),
        ("BACKHAUL_PRICING_THREADS", "0"),
        ("BACKHAUL_MAX_IN_FLIGHT", "lots"),
    ],
)
def test_a_bad_live_path_setting_stops_the_server_naming_it(
    clean_environment: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    clean_environment.setenv(variable, value)
    result = CliRunner().invoke(app, ["serve", "--dev", "--port", "8932"])
    assert result.exit_code == 2
    assert variable.removeprefix("BACKHAUL_").lower() in result.output.lower(), result.output
    assert "Traceback" not in result.output


def test_the_pricing_radius_can_be_turned_off(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("BACKHAUL_PRICING_RADIUS_M", "none")
    assert Settings.from_environment().pricing_radius_m is None
