"""The validator must catch every kind of broken plan, not only accept good ones."""

from __future__ import annotations

import dataclasses

import pytest

from optimizer.domain import Load, TimeWindow
from optimizer.routing.problem import RoutingProblem
from optimizer.routing.result import CostBreakdown, RoutingResult, Unassigned, UnassignedReason
from optimizer.routing.validator import validate
from tests.builders import courier, plane_problem, request, solve_valid


@pytest.fixture(scope="module")
def solved() -> tuple[RoutingProblem, RoutingResult]:
    problem = plane_problem(
        {"D": (0, 0)},
        [courier("c1", capacity=Load(10_000, 1_000_000, 100))],
        [
            (request("a", windows=[(0, 5_000)], weight_g=3_000), (100, 0)),
            (request("b", windows=[(0, 5_000)], weight_g=3_000, delivery_weight_g=2_000), (200, 0)),
        ],
    )
    return problem, solve_valid(problem)


def _with_stop(result: RoutingResult, k: int, **changes: object) -> RoutingResult:
    route = result.routes[0]
    stops = list(route.stops)
    stops[k] = dataclasses.replace(stops[k], **changes)  # type: ignore[arg-type]
    return dataclasses.replace(result, routes=(dataclasses.replace(route, stops=tuple(stops)),))


def test_accepts_the_solver_result(solved: tuple[RoutingProblem, RoutingResult]) -> None:
    problem, result = solved
    assert validate(problem, result) == []


def test_catches_service_outside_every_window(solved: tuple[RoutingProblem, RoutingResult]) -> None:
    problem, result = solved
    late = _with_stop(result, 0, service_start_s=9_000, departure_s=9_000)
    assert any("outside every time window" in e for e in validate(problem, late))


def test_catches_an_arrival_faster_than_travel(solved: tuple[RoutingProblem, RoutingResult]) -> None:
    problem, result = solved
    first = result.routes[0].stops[0]
    early = _with_stop(result, 0, arrival_s=first.arrival_s - 1)
    assert any("arrival" in e for e in validate(problem, early))


def test_catches_misreported_load(solved: tuple[RoutingProblem, RoutingResult]) -> None:
    problem, result = solved
    wrong = _with_stop(result, 0, load_after=Load(1, 1, 1))
    assert any("reported load" in e for e in validate(problem, wrong))


def test_catches_capacity_overflow(solved: tuple[RoutingProblem, RoutingResult]) -> None:
    problem, result = solved
    tight = dataclasses.replace(problem.couriers[0], capacity=Load(5_000, 1_000_000, 100))
    smaller = dataclasses.replace(problem, couriers=(tight,))
    assert any("exceeds capacity" in e for e in validate(smaller, result))


def test_catches_missing_skill(solved: tuple[RoutingProblem, RoutingResult]) -> None:
    problem, result = solved
    needs = dataclasses.replace(problem.requests[0], required_skills=frozenset({"bulky"}))
    changed = dataclasses.replace(problem, requests=(needs, problem.requests[1]))
    assert any("lacks skills" in e for e in validate(changed, result))


def test_catches_shift_and_duration_breaches(solved: tuple[RoutingProblem, RoutingResult]) -> None:
    problem, result = solved
    short = dataclasses.replace(problem.couriers[0], shift=TimeWindow(0, 10), max_route_duration_s=5)
    errors = validate(dataclasses.replace(problem, couriers=(short,)), result)
    assert any("after its shift ends" in e for e in errors)
    assert any("longer than 5 s" in e for e in errors)


def test_catches_a_request_served_twice_or_not_at_all(solved: tuple[RoutingProblem, RoutingResult]) -> None:
    problem, result = solved
    route = result.routes[0]
    twice = dataclasses.replace(
        result,
        routes=(route,),
        unassigned=(Unassigned("a", UnassignedReason.NO_FEASIBLE_INSERTION, ""),),
    )
    assert any("request a is served or listed 2 times" in e for e in validate(problem, twice))
    dropped = dataclasses.replace(result, routes=())
    assert any("request a is served or listed 0 times" in e for e in validate(problem, dropped))


def test_catches_a_wrong_cost(solved: tuple[RoutingProblem, RoutingResult]) -> None:
    problem, result = solved
    cheap = dataclasses.replace(result, cost=result.cost + CostBreakdown(distance_cents=-1.0))
    assert any("total distance cost" in e for e in validate(problem, cheap))


def test_catches_a_false_reason(solved: tuple[RoutingProblem, RoutingResult]) -> None:
    problem, result = solved
    claimed = dataclasses.replace(
        result,
        routes=(_with_stop(result, 0).routes[0],),
        unassigned=(Unassigned("a", UnassignedReason.EXCEEDS_VEHICLE_CAPACITY, ""),),
    )
    assert any("reported too large" in e for e in validate(problem, claimed))


def test_catches_a_broken_locked_prefix(solved: tuple[RoutingProblem, RoutingResult]) -> None:
    problem, result = solved
    order = [s.request_id for s in result.routes[0].stops]
    locked = dataclasses.replace(problem.couriers[0], locked_stop_ids=(order[1],))
    errors = validate(dataclasses.replace(problem, couriers=(locked,)), result)
    assert any("locked stops" in e for e in errors)
