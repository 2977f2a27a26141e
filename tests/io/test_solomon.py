"""Solomon-format instances: parsing, conventions, and a validated plan near the best known."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.errors import InputFileError
from optimizer.io.solomon import problem_from_vrptw, read_solomon
from optimizer.routing import solve, validate
from tests.paths import INSTANCES


def test_c101_reads_with_the_file_conventions() -> None:
    instance = read_solomon(INSTANCES / "solomon" / "c101.txt")
    assert (instance.name, instance.customers, instance.vehicles, instance.capacity) == ("C101", 100, 25, 200)
    assert (instance.ready[0], instance.due[0]) == (0, 1236)
    assert (instance.demand[1], instance.ready[1], instance.due[1], instance.service[1]) == (10, 912, 967, 90)


def test_integer_problem_rounds_travel_time_up_so_integer_plans_hold_in_double_precision() -> None:
    instance = read_solomon(INSTANCES / "solomon" / "r101.txt")
    problem = problem_from_vrptw(instance)
    exact = ((instance.xy[1] - instance.xy[2]) ** 2).sum() ** 0.5 * 1000
    assert problem.matrix.duration_s[1, 2] >= exact
    assert abs(problem.matrix.distance_m[1, 2] - exact) <= 0.5
    assert len(problem.couriers) == 25
    assert problem.requests[0].time_windows[0].start_s == instance.ready[1] * 1000


def test_c101_plan_is_valid_and_close_to_the_best_known_distance() -> None:
    instance = read_solomon(INSTANCES / "solomon" / "c101.txt")
    problem = problem_from_vrptw(instance)
    result = solve(problem, time_limit_s=2.0)
    assert validate(problem, result) == []
    assert not result.unassigned
    distance = instance.route_distance([[int(s.request_id) for s in r.stops] for r in result.routes])
    assert distance <= 828.94 * 1.05


def test_malformed_instance_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("X\n\nVEHICLE\nNUMBER CAPACITY\n 2 10\n\nCUSTOMER\nCUST NO.\n 0 0 0 0 0 100 0\n 1 5 five 1 0 50 5\n")
    with pytest.raises(InputFileError, match=r"bad\.txt:10: expected numbers"):
        read_solomon(bad)
