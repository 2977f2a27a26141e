"""`backhaul validate` checks a solution file without solving; `route -` and `--json` make a pipe; ISO times."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from backhaul.cli import app
from optimizer.io.problem_json import problem_from_dict
from optimizer.io.solution_json import result_from_dict, result_to_dict
from optimizer.routing.solver import solve
from tests.paths import SAMPLE_PROBLEM

runner = CliRunner()
BACKHAUL = [sys.executable, "-m", "backhaul"]


@pytest.fixture(scope="module")
def solution(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plan") / "solution.json"
    result = runner.invoke(app, ["route", str(SAMPLE_PROBLEM), "--time-limit", "1", "--seed", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _tampered(solution: Path, tmp_path: Path, change: Any) -> Path:
    document = json.loads(solution.read_text())
    change(document)
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(document, indent=2))
    return path


def test_a_valid_solution_file_exits_0(solution: Path) -> None:
    result = runner.invoke(app, ["validate", str(SAMPLE_PROBLEM), str(solution)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("valid: ")


def test_each_violation_is_one_line_and_exits_1(solution: Path, tmp_path: Path) -> None:
    def late_and_twice(document: dict[str, Any]) -> None:
        stop = document["routes"][0]["stops"][0]
        stop["service_start_s"] += 86_400
        document["routes"][1]["stops"].append(dict(stop))

    result = runner.invoke(app, ["validate", str(SAMPLE_PROBLEM), str(_tampered(solution, tmp_path, late_and_twice))])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert any("outside every time window" in line for line in lines)
    assert any("served or listed 2 times" in line for line in lines)
    assert all(line.startswith(str(tmp_path / "tampered.json")) for line in lines)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda d: d["routes"][0].pop("courier_id"), ": routes[0].courier_id: is required"),
        (lambda d: d["routes"][0]["stops"][0].update(arrival_s="noon"), ": routes[0].stops[0].arrival_s: must be"),
        (lambda d: d.update(extra=1), ": extra: unknown field"),
        (lambda d: d["unassigned"].append({"request_id": "x", "reason": "moon"}), ".reason: must be one of"),
    ],
)
def test_a_bad_solution_file_exits_2_naming_the_file_line_and_field(
    solution: Path, tmp_path: Path, change: Any, says: str
) -> None:
    bad = _tampered(solution, tmp_path, change)
    result = runner.invoke(app, ["validate", str(SAMPLE_PROBLEM), str(bad)])
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"error: {bad}:")
    assert says in line


def test_a_missing_or_broken_file_exits_2(tmp_path: Path, solution: Path) -> None:
    missing = runner.invoke(app, ["validate", str(SAMPLE_PROBLEM), str(tmp_path / "none.json")])
    assert missing.exit_code == 2
    assert "none.json: cannot read" in missing.output
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    result = runner.invoke(app, ["validate", str(broken), str(solution)])
    assert result.exit_code == 2
    assert "broken.json:1: not valid JSON" in result.output


def test_route_reads_stdin_and_json_writes_only_the_solution_to_stdout() -> None:
    planned = subprocess.run(
        [*BACKHAUL, "route", "-", "--json", "--time-limit", "1", "--seed", "2"],
        input=SAMPLE_PROBLEM.read_bytes(),
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert planned.returncode == 0, planned.stderr.decode()[-2000:]
    document = json.loads(planned.stdout)  # nothing but the solution on stdout
    assert document["routes"]
    assert b"validated" in planned.stderr
    checked = subprocess.run(
        [*BACKHAUL, "validate", str(SAMPLE_PROBLEM), "-"], input=planned.stdout, capture_output=True, check=False
    )
    assert checked.returncode == 0, checked.stderr.decode()
    empty = subprocess.run([*BACKHAUL, "route", "-"], input=b"", capture_output=True, check=False, timeout=60)
    assert empty.returncode == 2
    assert b"<stdin>:1: not valid JSON" in empty.stderr


def test_a_solution_shows_places_legs_and_waits_and_reads_back_the_same() -> None:
    problem = problem_from_dict(json.loads(SAMPLE_PROBLEM.read_text()))
    result = solve(problem, time_limit_s=1, seed=3)
    document = result_to_dict(result, problem)
    route = document["routes"][0]
    legs = sum(s["travel_m"] for s in route["stops"]) + route["return_travel_m"]
    assert legs == route["distance_m"]
    first = route["stops"][0]
    assert first["arrival_s"] == route["start_s"] + first["travel_s"]
    assert first["service_start_s"] == first["arrival_s"] + first["waiting_s"]
    assert {"lat", "lon"} <= set(first)
    again = result_from_dict(json.loads(json.dumps(document)))
    assert again.routes == result.routes
    assert again.unassigned == result.unassigned
    assert again.cost == result.cost


def test_a_problem_may_give_its_date_timezone_and_iso_times() -> None:
    data = json.loads(SAMPLE_PROBLEM.read_text())
    plain = problem_from_dict(data)
    data |= {"date": "2026-12-01", "timezone": "Asia/Shanghai"}
    data["couriers"][0]["shift"] = {"start": "2026-12-01T08:30:00+08:00", "end": "2026-12-01T09:30:00Z"}
    timed = problem_from_dict(data)
    shift = timed.couriers[0].shift
    assert (shift.start_s, shift.end_s) == (8 * 3600 + 1800, 17 * 3600 + 1800)
    assert timed.couriers[0].shift == plain.couriers[0].shift


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date": "2026-12-01"}, "timezone"),
        ({"date": "2026-13-01", "timezone": "Asia/Shanghai"}, "date"),
        ({"date": "2026-12-01", "timezone": "Mars/Base"}, "timezone"),
    ],
)
def test_a_bad_date_or_timezone_names_the_field(change: dict[str, str], field: str) -> None:
    data = json.loads(SAMPLE_PROBLEM.read_text()) | change
    with pytest.raises(ValueError, match=f"^{field}: "):
        problem_from_dict(data)


def test_an_iso_time_needs_a_date_timezone_and_offset() -> None:
    data = json.loads(SAMPLE_PROBLEM.read_text())
    data["couriers"][0]["shift"]["start"] = "2026-12-01T08:30:00+08:00"
    with pytest.raises(ValueError, match="needs the problem's date and timezone"):
        problem_from_dict(data)
    data |= {"date": "2026-12-01", "timezone": "Asia/Shanghai"}
    data["couriers"][0]["shift"]["start"] = "2026-12-01T08:30:00"
    with pytest.raises(ValueError, match="needs its UTC offset"):
        problem_from_dict(data)


def test_with_a_region_a_solution_can_carry_each_legs_road_polyline(tmp_path: Path) -> None:
    out = tmp_path / "solution.json"
    args = ["route", str(SAMPLE_PROBLEM), "--region", "shenzhen-pingshan", "--time-limit", "2", "--out", str(out)]
    result = runner.invoke(app, [*args, "--leg-geometry", "--quiet"])
    assert result.exit_code == 0, result.output
    route = json.loads(out.read_text())["routes"][0]
    first = route["stops"][0]
    assert len(first["geometry"]) >= 2
    assert len(route["return_geometry"]) >= 2
    assert abs(first["geometry"][-1][0] - first["lon"]) < 0.01  # the leg ends near the stop
    checked = runner.invoke(app, ["validate", str(SAMPLE_PROBLEM), str(out), "--region", "shenzhen-pingshan"])
    assert checked.exit_code == 0, checked.output
    refused = runner.invoke(app, ["route", str(SAMPLE_PROBLEM), "--leg-geometry"])
    assert refused.exit_code == 2
    assert "--leg-geometry draws legs along the road network" in refused.output
