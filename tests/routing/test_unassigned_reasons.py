"""One case per reason a request is left out, each checked against the reason the solver gives."""

from __future__ import annotations

from optimizer.domain import Load, TimeWindow
from optimizer.routing.result import RoutingResult, UnassignedReason
from tests.builders import courier, plane_problem, request, solve_valid


def _only_unassigned(result: RoutingResult) -> tuple[str, UnassignedReason, str]:
    assert len(result.unassigned) == 1
    item = result.unassigned[0]
    return item.request_id, item.reason, item.detail


def test_no_courier_has_the_skill() -> None:
    problem = plane_problem(
        {"D": (0, 0)},
        [courier("c1", skills=["bulky"])],
        [(request("fridge", skills=["bulky", "two_person"]), (100, 0)), (request("shirt"), (50, 0))],
    )
    request_id, reason, detail = _only_unassigned(solve_valid(problem))
    assert (request_id, reason) == ("fridge", UnassignedReason.NO_SKILLED_COURIER)
    assert "two_person" in detail


def test_parcels_exceed_every_vehicle() -> None:
    problem = plane_problem(
        {"D": (0, 0)},
        [courier("c1", capacity=Load(30_000, 1_000_000, 10)), courier("c2", capacity=Load(50_000, 1_000_000, 10))],
        [(request("piano", weight_g=80_000), (100, 0)), (request("shirt"), (50, 0))],
    )
    request_id, reason, detail = _only_unassigned(solve_valid(problem))
    assert (request_id, reason) == ("piano", UnassignedReason.EXCEEDS_VEHICLE_CAPACITY)
    assert "weight_g 80000 > largest capacity 50000" in detail


def test_exchange_delivery_larger_than_any_vehicle() -> None:
    problem = plane_problem(
        {"D": (0, 0)},
        [courier("c1", capacity=Load(30_000, 1_000_000, 10))],
        [(request("swap", weight_g=1_000, delivery_weight_g=40_000), (100, 0))],
    )
    _, reason, detail = _only_unassigned(solve_valid(problem))
    assert reason is UnassignedReason.EXCEEDS_VEHICLE_CAPACITY
    assert detail.count("delivery weight_g") == 1


def test_no_courier_reaches_the_address_inside_the_slot() -> None:
    # The shift starts at 08:00; the slot ends at 08:05; the address is 10 minutes away.
    problem = plane_problem(
        {"D": (0, 0)},
        [courier("c1", shift=TimeWindow(8 * 3600, 17 * 3600))],
        [(request("early", windows=[(7 * 3600, 8 * 3600 + 300)]), (600, 0)), (request("ok"), (50, 0))],
    )
    request_id, reason, _ = _only_unassigned(solve_valid(problem))
    assert (request_id, reason) == ("early", UnassignedReason.UNREACHABLE_IN_SLOT)


def test_capacity_used_up_by_the_rest_of_the_plan() -> None:
    small = Load(1_000_000, 1_000_000, 10)
    problem = plane_problem(
        {"D": (0, 0)},
        [courier("c1", capacity=small)],
        [(request("a", parcels=6, weight_g=6_000), (100, 0)), (request("b", parcels=6, weight_g=6_000), (0, 100))],
    )
    _, reason, detail = _only_unassigned(solve_valid(problem))
    assert reason is UnassignedReason.NO_FEASIBLE_INSERTION
    assert "capacity:parcels" in detail
    assert "time" not in detail


def test_time_used_up_by_the_rest_of_the_plan() -> None:
    # Both stops want service at 1000-1010 s, 2 km apart: one courier can serve only one.
    problem = plane_problem(
        {"D": (0, 0)},
        [courier("c1")],
        [
            (request("east", windows=[(1_000, 1_010)]), (1_000, 0)),
            (request("west", windows=[(1_000, 1_010)]), (-1_000, 0)),
        ],
    )
    _, reason, detail = _only_unassigned(solve_valid(problem))
    assert reason is UnassignedReason.NO_FEASIBLE_INSERTION
    assert "time_window" in detail
    assert "capacity" not in detail


def test_max_route_duration_used_up_by_the_rest_of_the_plan() -> None:
    problem = plane_problem(
        {"D": (0, 0)},
        [courier("c1", max_duration_s=500)],
        [(request("east"), (200, 0)), (request("west"), (-200, 0))],
    )
    _, reason, detail = _only_unassigned(solve_valid(problem))
    assert reason is UnassignedReason.NO_FEASIBLE_INSERTION
    assert "max_duration" in detail


def test_optional_request_whose_penalty_is_cheaper_than_serving_it() -> None:
    problem = plane_problem(
        {"D": (0, 0)},
        [courier("c1")],
        [(request("far", penalty_cents=300), (1_000, 0))],
    )
    _, reason, detail = _only_unassigned(solve_valid(problem))
    assert reason is UnassignedReason.PENALTY_CHEAPER
    assert "2000.00 cents" in detail
