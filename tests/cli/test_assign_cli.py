"""`backhaul assign`: the JSON interface other systems read, the report, and clean input errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from backhaul.cli import app
from tests.paths import SAMPLE_PROBLEM

runner = CliRunner()
SAMPLE = SAMPLE_PROBLEM


def test_generated_day_as_json_has_the_promised_keys(tmp_path: Path) -> None:
    args = ["assign", "--region", "shanghai-central", "--generate", "300", "--seed", "2", "--json"]
    result = runner.invoke(app, [*args, "--cache-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["total_cost_cents"] <= report["baseline_cost_cents"]
    assert report["returns"] == 300
    assert isinstance(report["unassigned"], list)
    placed = sum(1 for a in report["assignments"] if a["center_id"] is not None)
    assert placed + len(report["unassigned"]) == 300
    for center in report["centers"]:
        assert {"id", "capacity", "used", "shadow_price_cents"} <= set(center)
        assert center["used"] <= center["capacity"]
    assert sum(c["used"] for c in report["centers"]) == placed


def test_returns_file_with_sites_and_addresses_prints_a_report(tmp_path: Path) -> None:
    returns = {
        "region": "shanghai-central",
        "returns": [
            {"id": "a", "category": "apparel", "weight_g": 700, "origin": "P01"},
            {"id": "b", "category": "bulky", "weight_g": 21000, "lat": 31.2304, "lon": 121.4737, "method": "pickup"},
        ],
    }
    path = tmp_path / "returns.json"
    path.write_text(json.dumps(returns, indent=1))
    result = runner.invoke(app, ["assign", str(path), "--cache-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for text in ("Assignment of 2 returns", "Processing centers", "shadow", "nearest center"):
        assert text in result.output


def test_bad_returns_name_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "returns.json"
    path.write_text(
        json.dumps(
            {
                "returns": [
                    {"id": "a", "category": "apparel", "weight_g": 700, "lat": 40.0, "lon": 116.4, "method": "pickup"}
                ]
            },
            indent=1,
        )
    )
    result = runner.invoke(app, ["assign", str(path), "--region", "shanghai-central", "--cache-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "returns[0]" in result.output
    assert "outside region shanghai-central" in result.output
    path.write_text(
        json.dumps({"returns": [{"id": "a", "category": "apparel", "weight_g": -1, "origin": "P01"}]}, indent=1)
    )
    result = runner.invoke(app, ["assign", str(path)])
    assert result.exit_code == 2
    assert "returns.json:" in result.output
    assert "returns[0].weight_g" in result.output
    result = runner.invoke(app, ["assign", "--region", "atlantis", "--generate", "5"])
    assert result.exit_code == 2
    assert "unknown region 'atlantis'" in result.output
    result = runner.invoke(app, ["assign"])
    assert result.exit_code == 2
    assert "RETURNS.json file or --generate" in result.output


def test_route_with_region_uses_road_times(tmp_path: Path) -> None:
    out_road, out_air = tmp_path / "road.json", tmp_path / "air.json"
    common = ["route", str(SAMPLE), "--time-limit", "1", "--solution-limit", "1", "--quiet"]
    road = runner.invoke(
        app, [*common, "--region", "shenzhen-pingshan", "--cache-dir", str(tmp_path), "--out", str(out_road)]
    )
    assert road.exit_code == 0, road.output
    air = runner.invoke(app, [*common, "--out", str(out_air)])
    assert air.exit_code == 0, air.output
    road_km = json.loads(out_road.read_text())["distance_m"]
    air_km = json.loads(out_air.read_text())["distance_m"]
    assert road_km != air_km


def test_route_with_region_names_a_request_outside_it(tmp_path: Path) -> None:
    data = json.loads(SAMPLE.read_text())
    data["requests"][2]["lat"] = 31.23
    data["requests"][2]["lon"] = 121.47
    bad = tmp_path / "far.json"
    bad.write_text(json.dumps(data, indent=1))
    result = runner.invoke(app, ["route", str(bad), "--region", "shenzhen-pingshan", "--cache-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "requests[2]" in result.output
    assert "outside region shenzhen-pingshan" in result.output
