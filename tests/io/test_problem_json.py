"""The JSON problem format: the sample loads; bad input is rejected with the file, line and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from optimizer.errors import InputFileError
from optimizer.io.problem_json import load_problem, problem_from_dict
from optimizer.routing.solver import solve
from optimizer.routing.validator import validate
from tests.paths import SAMPLE_PROBLEM

SAMPLE = SAMPLE_PROBLEM


def _sample() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAMPLE.read_text())
    return data


def test_sample_loads_with_its_exchanges_bulky_items_and_optional_pickups() -> None:
    problem = load_problem(SAMPLE)
    assert len(problem.requests) == 60
    assert len(problem.couriers) == 6
    assert len(problem.depots) == 2
    assert any(r.is_exchange for r in problem.requests)
    assert any("bulky" in r.required_skills for r in problem.requests)
    assert any(not r.mandatory for r in problem.requests)


def test_clock_times_and_seconds_mean_the_same() -> None:
    data = _sample()
    data["requests"][0]["time_windows"] = [{"start": "09:30", "end": 37800}]
    window = problem_from_dict(data).requests[0].time_windows[0]
    assert (window.start_s, window.end_s) == (34_200, 37_800)


def test_explicit_matrix_is_used_as_given() -> None:
    data = {
        "matrix": {"kind": "explicit", "distance_m": [[0, 700], [700, 0]], "duration_s": [[0, 60], [60, 0]]},
        "depots": [{"id": "D", "lat": 22.7, "lon": 114.3}],
        "couriers": [
            {
                "id": "c",
                "start_depot": "D",
                "shift": {"start": "08:00", "end": "18:00"},
                "capacity": {"weight_g": 10_000, "volume_cm3": 100_000, "parcels": 10},
                "cost_per_km_cents": 100,
            }
        ],
        "requests": [
            {
                "id": "r",
                "lat": 22.71,
                "lon": 114.31,
                "time_windows": [{"start": "09:00", "end": "11:00"}],
                "service_s": 120,
                "parcels": [{"weight_g": 500, "volume_cm3": 2_000}],
            }
        ],
    }
    problem = problem_from_dict(data)
    result = solve(problem, time_limit_s=0.5)
    assert validate(problem, result) == []
    assert result.distance_m == 1_400
    assert result.cost.distance_cents == pytest.approx(140)


def _error_for(tmp_path: Path, mutate: Any) -> str:
    data = _sample()
    mutate(data)
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(data, indent=1))
    with pytest.raises(InputFileError) as caught:
        load_problem(path)
    return str(caught.value)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["couriers"][2]["capacity"].update(weight_g=-5),
            "couriers[2].capacity.weight_g: must be within [0, ",
        ),
        (
            lambda d: d["requests"][3]["time_windows"][0].update(start="15:00", end="13:00"),
            "requests[3].time_windows[0].end: window ends",
        ),
        (lambda d: d["requests"][1].update(skills=["bulkyy"]), "requests[1].skills: unknown skill 'bulkyy'"),
        (lambda d: d["requests"][4].update(lat=123.0), "requests[4].lat: must be within [-90, 90]"),
        (lambda d: d["requests"][4]["parcels"][0].update(weight_g=10**30), "requests[4].parcels[0].weight_g"),
        (lambda d: d["couriers"][3].update(cost_per_km_cents=10**9), "couriers[3].cost_per_km_cents"),
        (lambda d: d["requests"][4].pop("service_s"), "requests[4].service_s: is required"),
        (lambda d: d["requests"][5].update(service_s="long"), "requests[5].service_s: must be an integer"),
        (lambda d: d["couriers"][0].update(colour="red"), "couriers[0].colour: unknown field"),
        (lambda d: d["couriers"][0].update(start_depot="nowhere"), "couriers[0].start_depot: unknown depot"),
        (lambda d: d["requests"][2].update(id=d["requests"][1]["id"]), "requests[2].id: duplicate id"),
        (lambda d: d["couriers"][1].update(shift={"start": "8am", "end": "18:00"}), "couriers[1].shift.start"),
        (lambda d: d.update(matrix={"kind": "osrm"}), "matrix.kind"),
        (lambda d: d["couriers"][0].update(locked_stops=["NOPE"]), "couriers[0].locked_stops[0]: unknown request"),
    ],
)
def test_bad_input_names_the_file_line_and_field(tmp_path: Path, mutate: Any, expected: str) -> None:
    message = _error_for(tmp_path, mutate)
    assert message.startswith(f"{tmp_path / 'problem.json'}:")
    assert expected in message
    line = int(message.split(":")[1])
    assert line > 1


def test_malformed_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "depots": [\n    {"id": "D",}\n  ]\n}\n')
    with pytest.raises(InputFileError, match=r"broken\.json:3: not valid JSON"):
        load_problem(path)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="cannot read"):
        load_problem(tmp_path / "absent.json")
