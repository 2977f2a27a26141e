"""`backhaul convert`: VROOM's documented inputs and ours round-trip; what does not map is an error naming it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backhaul.cli import app
from optimizer.io.problem_json import problem_from_dict
from optimizer.io.vroom import problem_from_vroom
from tests.paths import FIXTURES, SAMPLE_PROBLEM

runner = CliRunner()
VROOM = FIXTURES / "vroom"


def _convert(*args: str) -> None:
    result = runner.invoke(app, ["convert", *args])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("name", ["example_2.json", "jobs_windows_skills.json"])
def test_vroom_to_problem_to_vroom_to_problem_is_the_same_problem(name: str, tmp_path: Path) -> None:
    first, back, again, twice = (tmp_path / f"{k}.json" for k in ("problem", "vroom", "again", "twice"))
    _convert(str(VROOM / name), "--from", "vroom", "--out", str(first))
    _convert(str(first), "--to", "vroom", "--out", str(back))  # the travel is frozen into matrices.car
    _convert(str(back), "--from", "vroom", "--out", str(again))
    one, other = (problem_from_dict(json.loads(p.read_text())) for p in (first, again))
    assert (one.depots, one.couriers, one.requests) == (other.depots, other.couriers, other.requests)
    assert dict(one.initial_routes) == dict(other.initial_routes)
    assert (one.matrix.duration_s == other.matrix.duration_s).all()
    assert (one.matrix.distance_m == other.matrix.distance_m).all()
    _convert(str(again), "--to", "vroom", "--out", str(back))
    _convert(str(back), "--from", "vroom", "--out", str(twice))
    assert json.loads(twice.read_text()) == json.loads(again.read_text())
    planned = tmp_path / "solution.json"
    routed = runner.invoke(app, ["route", str(first), "--time-limit", "1", "--out", str(planned), "--quiet"])
    assert routed.exit_code == 0, routed.output
    assert runner.invoke(app, ["validate", str(first), str(planned)]).exit_code == 0


def test_every_mapped_vroom_key_lands_where_the_docs_say() -> None:
    document = problem_from_vroom(json.loads((VROOM / "jobs_windows_skills.json").read_text()))
    problem = problem_from_dict(document)
    assert (document["date"], document["timezone"]) == ("2025-12-01", "UTC")
    first, exchange, third = problem.requests
    assert first.service_s == 240  # setup + service
    assert [(w.start_s, w.end_s) for w in first.time_windows] == [(3600, 10800), (18000, 25200)]
    assert (first.pickup_load.parcels, first.pickup_load.weight_g) == (1, 800)
    assert (exchange.delivery_load.parcels, exchange.delivery_load.weight_g) == (1, 900)
    assert first.required_skills == frozenset({"s1"})
    assert third.time_windows[0].end_s == 12 * 3600  # no window: until the latest shift ends
    van, other = problem.couriers
    assert (van.capacity.parcels, van.capacity.weight_g) == (10, 40_000)
    assert (van.fixed_cost_cents, van.cost_per_hour_cents, van.cost_per_km_cents, van.speed_factor) == (
        6000,
        3000,
        30,
        0.8,
    )
    assert (van.shift.start_s, van.shift.end_s) == (0, 11 * 3600)
    assert other.start_depot_id != other.end_depot_id
    assert dict(problem.initial_routes) == {"1": ("2",)}


def test_amounts_follow_the_dimensions_given() -> None:
    data = json.loads((VROOM / "jobs_windows_skills.json").read_text())
    problem = problem_from_dict(problem_from_vroom(data, ["weight_g", "volume_cm3"]))
    assert (problem.requests[0].pickup_load.weight_g, problem.requests[0].pickup_load.volume_cm3) == (1, 800)
    assert problem.couriers[0].capacity.parcels == 10**9  # not mapped: unlimited


def test_our_problem_goes_to_vroom_with_its_travel_and_comes_back(tmp_path: Path) -> None:
    vroom, back, mandatory = tmp_path / "vroom.json", tmp_path / "back.json", tmp_path / "mandatory.json"
    data = json.loads(SAMPLE_PROBLEM.read_text())
    optional = [r for r in data["requests"] if not r.get("mandatory", True)]
    assert optional
    refused = runner.invoke(app, ["convert", str(SAMPLE_PROBLEM), "--to", "vroom", "--out", str(vroom)])
    assert refused.exit_code == 2
    assert "mandatory: an optional request has no VROOM equivalent" in refused.output
    for request in optional:
        request.pop("mandatory")
        request.pop("penalty_cents", None)
    for courier in data["couriers"]:
        courier.pop("max_route_duration_s", None)  # VROOM's max_travel_time leaves out service: not the same
    mandatory.write_text(json.dumps(data))
    _convert(str(mandatory), "--to", "vroom", "--out", str(vroom))
    written = json.loads(vroom.read_text())
    assert written["jobs"][0]["description"].startswith("RET-")  # ids become integers, the originals kept
    size = len(written["matrices"]["car"]["durations"])
    _convert(str(vroom), "--from", "vroom", "--out", str(back))
    original, returned = (
        problem_from_dict(json.loads(SAMPLE_PROBLEM.read_text())),
        problem_from_dict(json.loads(back.read_text())),
    )
    assert size == len(original.depots) + len(original.requests)
    assert len(returned.requests) == len(original.requests)
    assert (returned.matrix.duration_s == original.matrix.duration_s).all()
    assert [r.pickup_load for r in returned.requests] == [r.pickup_load for r in original.requests]
    assert [r.time_windows for r in returned.requests] == [r.time_windows for r in original.requests]


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("example_1.json", ":124: shipments: has no Backhaul equivalent"),
        ("breaks.json", ".breaks: has no Backhaul equivalent"),
        ("open.json", "vehicles[0].end: is required (an open route"),
    ],
)
def test_what_does_not_map_exits_2_naming_the_file_line_and_key(name: str, says: str, tmp_path: Path) -> None:
    source = VROOM / name
    if not source.exists():
        vehicle = {"id": 1, "start": [2.35, 48.71], "end": [2.35, 48.71]}
        if name == "breaks.json":
            vehicle["breaks"] = [{"id": 1, "service": 300}]
        else:
            del vehicle["end"]
        source = tmp_path / name
        source.write_text(json.dumps({"vehicles": [vehicle], "jobs": []}, indent=2))
    result = runner.invoke(app, ["convert", str(source), "--from", "vroom", "--out", str(tmp_path / "p.json")])
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"error: {source}")
    assert says in line
    assert not (tmp_path / "p.json").exists()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--from", "vroom", "--to", "vroom"], "exactly one of --from and --to"),
        (["--from", "vroom", "--dimensions", "parcels,colour"], "dimensions: each of"),
        (["--from", "osrm"], "Invalid value for '--from'"),
    ],
)
def test_bad_flags_exit_2(args: list[str], says: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["convert", str(VROOM / "example_2.json"), "--out", str(tmp_path / "p.json"), *args])
    assert result.exit_code == 2
    assert says in " ".join(result.output.split())
