"""`backhaul route`: a readable summary, a valid solution file, and clean errors with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backhaul.cli import app
from optimizer.geo.region import load_region
from optimizer.io.problem_json import load_problem
from tests.paths import SAMPLE_PROBLEM
from tests.route_geometry import drawn_metres, off_network

SAMPLE = SAMPLE_PROBLEM
runner = CliRunner()


def test_route_prints_routes_kpis_and_writes_the_solution(tmp_path: Path) -> None:
    out = tmp_path / "plan" / "solution.json"
    result = runner.invoke(app, ["route", str(SAMPLE), "--time-limit", "1", "--seed", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for text in ("Routes", "pickups served", "cost: total", "validated"):
        assert text in result.output
    solution = json.loads(out.read_text())
    assert solution["status"] in {"feasible", "optimal"}
    served = sum(len(route["stops"]) for route in solution["routes"])
    assert served + len(solution["unassigned"]) == len(load_problem(SAMPLE).requests)
    assert solution["cost"]["total_cents"] > 0
    assert not list(out.parent.glob(".solution.json.*")), "temporary file left behind"


def test_bad_problem_file_exits_2_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    data = json.loads(SAMPLE.read_text())
    data["couriers"][0]["capacity"]["parcels"] = -1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, indent=1))
    completed = subprocess.run(
        [sys.executable, "-m", "backhaul", "route", str(bad), "--time-limit", "1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert f"{bad}:" in completed.stderr
    assert "couriers[0].capacity.parcels: must be within [0, " in completed.stderr


def test_missing_file_and_bad_flags_exit_2(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["route", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2
    assert "cannot read" in missing.output
    negative = runner.invoke(app, ["route", str(SAMPLE), "--time-limit", "-3"])
    assert negative.exit_code == 2


def test_unwritable_out_path_is_refused_before_solving(tmp_path: Path) -> None:
    folder_as_file = runner.invoke(app, ["route", str(SAMPLE), "--time-limit", "30", "--out", str(tmp_path)])
    assert folder_as_file.exit_code == 2
    assert "--out" in folder_as_file.output
    assert "not a writable file path" in folder_as_file.output


def test_route_draws_its_plan_along_the_roads_as_geojson(tmp_path: Path) -> None:
    out, drawn = tmp_path / "solution.json", tmp_path / "routes.geojson"
    args = ["route", str(SAMPLE), "--region", "shenzhen-pingshan", "--cache-dir", str(tmp_path / "cache")]
    args += ["--time-limit", "3", "--solution-limit", "20", "--out", str(out), "--geojson", str(drawn)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    collection = json.loads(drawn.read_text())
    solution = json.loads(out.read_text())
    assert off_network(collection, load_region("shenzhen-pingshan").road_graph) == []
    metres = drawn_metres(collection)
    for route in solution["routes"]:
        assert metres[route["courier_id"]] == pytest.approx(route["distance_m"], rel=0.01)
    stops = [f for f in collection["features"] if f["properties"].get("kind") == "stop"]
    assert len(stops) == sum(len(route["stops"]) for route in solution["routes"])


def test_geojson_without_a_road_network_is_refused_before_solving(tmp_path: Path) -> None:
    result = runner.invoke(app, ["route", str(SAMPLE), "--geojson", str(tmp_path / "routes.geojson")])
    assert result.exit_code == 2
    assert "--geojson draws legs along the road network: give --region too" in result.output


def test_an_unwritable_geojson_path_is_refused_before_solving(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    args = ["route", str(SAMPLE), "--region", "shenzhen-pingshan", "--geojson", str(blocker / "routes.geojson")]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert f"--geojson {blocker / 'routes.geojson'}: cannot create its folder" in " ".join(result.output.split())
