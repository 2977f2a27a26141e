"""Tiny instances whose optimal plan is known by hand, one per constraint type.

Travel is 1 s per metre and most couriers pay 1000 cents per km, so a metre costs one cent.
"""

from __future__ import annotations

import pytest

from optimizer.domain import Load, TimeWindow
from optimizer.errors import ValidationError
from optimizer.routing.params import SolveParams
from optimizer.routing.result import SolveStatus, UnassignedReason
from tests.builders import courier, plane_problem, request, solve_valid, stops


def test_one_courier_sweeps_a_line_at_the_optimal_distance() -> None:
    problem = plane_problem(
        {"D": (0, 0)},
        [courier("c1")],
        [(request("r1"), (100, 0)), (request("r2"), (300, 0)), (request("r3"), (200, 0))],
    )
    result = solve_valid(problem)
    assert result.status in {SolveStatus.FEASIBLE, SolveStatus.OPTIMAL}
    assert result.distance_m == 600
    assert result.cost.total_cents == pytest.approx(600)
    assert stops(result)["c1"] in (["r1", "r3", "r2"], ["r2", "r3", "r1"])


def test_time_windows_force_the_visiting_order_and_waiting() -> None:
    problem = plane_problem(
        {"D": (0, 0)},
        [courier("c1")],
        [(request("late", windows=[(400, 500)]), (100, 0)), (request("early", windows=[(0, 150)]), (0, 100))],
    )
    result = solve_valid(problem)
    assert stops(result) == {"c1": ["early", "late"]}
    assert result.distance_m == 100 + 141 + 100
    assert result.routes[0].stops[1].service_start_s == 400


def test_a_request_with_two_windows_is_served_in_the_second_when_the_first_is_out_of_reach() -> None:
    problem = plane_problem(
        {"D": (0, 0)},
        [courier("c1", shift=TimeWindow(50, 10_000))],
        [(request("r1", windows=[(0, 120), (300, 400)]), (100, 0))],
    )
    result = solve_valid(problem)
    assert result.routes[0].stops[0].service_start_s == 300


def test_capacity_splits_the_load_over_two_couriers() -> None:
    small = Load(1_000_000, 1_000_000, 10)
    problem = plane_problem(
        {"D": (0, 0)},
        [courier("c1", capacity=small), courier("c2", capacity=small)],
        [(request(f"r{i}", parcels=4, weight_g=4_000), (100, 0)) for i in range(3)],
    )
    result = solve_valid(problem)
    assert len(result.routes) == 2
    assert result.distance_m == 400
    assert all(route.stops[-1].load_after.parcels <= 10 for route in result.routes)


def test_each_depot_serves_its_own_neighbourhood() -> None:
    problem = plane_problem(
        {"W": (0, 0), "E": (10_000, 0)},
        [courier("west", "W"), courier("east", "E")],
        [(request("near-w"), (100, 0)), (request("near-e"), (9_900, 0))],
    )
    result = solve_valid(problem)
    assert stops(result) == {"west": ["near-w"], "east": ["near-e"]}
    assert result.cost.total_cents == pytest.approx(400)


def test_fixed_and_per_km_costs_pick_the_cheaper_vehicle() -> None:
    # Van: 500 fixed + 1 cent/m -> 600 for a 100 m round trip; scooter: 0 fixed + 5 cents/m -> 500.
    problem = plane_problem(
        {"D": (0, 0)},
        [courier("van", fixed_cents=500, per_km_cents=1000), courier("scooter", per_km_cents=5000)],
        [(request("r1"), (50, 0))],
    )
    result = solve_valid(problem)
    assert stops(result) == {"scooter": ["r1"]}
    assert result.cost.total_cents == pytest.approx(500)


def test_hourly_cost_counts_route_time_and_the_courier_leaves_late_instead_of_waiting() -> None:
    problem = plane_problem(
        {"D": (0, 0)},
        [courier("c1", per_km_cents=0, per_hour_cents=3600)],
        [(request("r1", windows=[(1_000, 1_100)]), (100, 0))],
    )
    result = solve_valid(problem)
    route = result.routes[0]
    assert (route.start_s, route.end_s) == (900, 1_100)
    assert result.cost.duration_cents == pytest.approx(200)


def test_skills_send_the_bulky_item_to_the_van() -> None:
    problem = plane_problem(
        {"D": (0, 0)},
        [courier("trike", per_km_cents=100), courier("van", skills=["bulky"], per_km_cents=3000)],
        [(request("sofa", skills=["bulky"]), (100, 0)), (request("shirt"), (120, 0))],
    )
    result = solve_valid(problem)
    assert "sofa" in stops(result)["van"]


def test_optional_requests_are_dropped_only_when_the_penalty_is_cheaper() -> None:
    problem = plane_problem(
        {"D": (0, 0)},
        [courier("c1")],
        [
            (request("cheap-to-drop", penalty_cents=100), (1_000, 0)),
            (request("worth-serving", penalty_cents=5_000), (0, 1_000)),
        ],
    )
    result = solve_valid(problem)
    assert stops(result) == {"c1": ["worth-serving"]}
    assert [(u.request_id, u.reason) for u in result.unassigned] == [
        ("cheap-to-drop", UnassignedReason.PENALTY_CHEAPER)
    ]
    assert result.cost.penalty_cents == pytest.approx(100)
    assert result.cost.total_cents == pytest.approx(2_000 + 100)


@pytest.mark.parametrize("exact_limit", [200, 0], ids=["exact-load-model", "conservative-load-model"])
def test_exchange_delivery_is_on_board_from_the_depot_so_it_is_handed_over_first(
    exact_limit: int,
) -> None:
    # Capacity 10 kg: the exchange carries 8 kg out and takes 2 kg back; the plain pickup is 8 kg.
    # Picking up first would mean 16 kg on board. The conservative model (large problems) counts
    # 18 kg and keeps one stop out of the search; the exact repair pass puts it back.
    problem = plane_problem(
        {"D": (0, 0)},
        [courier("c1", capacity=Load(10_000, 1_000_000, 100))],
        [
            (request("pickup", weight_g=8_000), (100, 0)),
            (request("exchange", weight_g=2_000, delivery_weight_g=8_000), (200, 0)),
        ],
    )
    result = solve_valid(problem, params=SolveParams(exact_exchange_limit=exact_limit))
    route = result.routes[0]
    assert [s.request_id for s in route.stops] == ["exchange", "pickup"]
    assert route.load_at_start.weight_g == 8_000
    assert [s.load_after.weight_g for s in route.stops] == [2_000, 10_000]


def test_two_exchanges_whose_deliveries_do_not_fit_together_use_two_vans() -> None:
    cap = Load(10_000, 1_000_000, 100)
    problem = plane_problem(
        {"D": (0, 0)},
        [courier("c1", capacity=cap), courier("c2", capacity=cap)],
        [
            (request("x1", weight_g=1_000, delivery_weight_g=6_000), (100, 0)),
            (request("x2", weight_g=1_000, delivery_weight_g=6_000), (100, 10)),
        ],
    )
    result = solve_valid(problem)
    assert len(result.routes) == 2
    assert not result.unassigned


def test_locked_prefix_stays_first_on_its_courier() -> None:
    problem = plane_problem(
        {"D": (0, 0)},
        [courier("c1", locked=["far"]), courier("c2")],
        [(request("near"), (100, 0)), (request("far"), (0, 500)), (request("nearer"), (50, 0))],
    )
    result = solve_valid(problem)
    assert stops(result)["c1"][0] == "far"
    assert not result.unassigned


def test_locked_prefix_that_breaks_its_window_is_rejected_up_front() -> None:
    from optimizer.errors import InfeasibleError

    problem = plane_problem(
        {"D": (0, 0)},
        [courier("c1", locked=["late", "early"])],
        [(request("late", windows=[(500, 600)]), (100, 0)), (request("early", windows=[(0, 200)]), (200, 0))],
    )
    with pytest.raises(InfeasibleError, match="locked stops"):
        solve_valid(problem)


def test_max_route_duration_splits_work_between_couriers() -> None:
    problem = plane_problem(
        {"D": (0, 0)},
        [courier("c1", max_duration_s=500), courier("c2", max_duration_s=500)],
        [(request("east"), (200, 0)), (request("west"), (-200, 0))],
    )
    result = solve_valid(problem)
    assert len(result.routes) == 2
    assert all(route.duration_s <= 500 for route in result.routes)


def test_slow_vehicle_travel_time_uses_the_speed_factor() -> None:
    problem = plane_problem(
        {"D": (0, 0)},
        [courier("trike", speed_factor=0.5)],
        [(request("r1", windows=[(0, 1_000)]), (100, 0))],
    )
    result = solve_valid(problem)
    route = result.routes[0]
    assert route.stops[0].arrival_s - route.start_s == 200
    assert route.duration_s == 400


def test_an_unused_courier_with_different_start_and_end_depots_costs_nothing() -> None:
    problem = plane_problem(
        {"W": (0, 0), "E": (10_000, 0)},
        [courier("shuttle", "W", end_depot="E", fixed_cents=10_000), courier("local", "W")],
        [(request("r1"), (100, 0))],
    )
    result = solve_valid(problem)
    assert stops(result) == {"local": ["r1"]}
    assert result.cost.total_cents == pytest.approx(200)


def test_warm_start_is_used_and_never_made_worse() -> None:
    points = [(request(f"r{i}"), (100 * (i % 5), 100 * (i // 5))) for i in range(10)]
    problem = plane_problem(
        {"D": (0, 0)},
        [courier("c1"), courier("c2")],
        points,
        initial_routes={"c1": tuple(f"r{i}" for i in range(10))},
    )
    result = solve_valid(problem, solution_limit=1)
    assert len({r for route in result.routes for r in (s.request_id for s in route.stops)}) == 10
    cold = solve_valid(
        plane_problem({"D": (0, 0)}, [courier("c1"), courier("c2")], points, initial_routes={}), solution_limit=1
    )
    assert result.status is SolveStatus.FEASIBLE
    assert cold.status is SolveStatus.FEASIBLE


def test_requests_that_cannot_be_served_never_fail_the_solve() -> None:
    problem = plane_problem(
        {"D": (0, 0)},
        [courier("c1")],
        [
            (request("ok"), (100, 0)),
            (request("needs-crane", skills=["tail_lift"]), (50, 0)),
            (request("too-early", windows=[(0, 10)]), (5_000, 0)),
        ],
    )
    result = solve_valid(problem)
    assert stops(result) == {"c1": ["ok"]}
    assert {u.request_id for u in result.unassigned} == {"needs-crane", "too-early"}


def test_warm_start_that_breaks_a_constraint_is_ignored_with_a_warning() -> None:
    problem = plane_problem(
        {"D": (0, 0)},
        [courier("trike"), courier("van", skills=["bulky"])],
        [(request("sofa", skills=["bulky"]), (100, 0)), (request("late", windows=[(0, 50)]), (10, 0))],
        initial_routes={"trike": ("sofa",), "van": ("late",)},
    )
    result = solve_valid(problem)
    assert "sofa" in stops(result)["van"]
    assert any("trike" in w and "skills" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"search_share": 0.0}, "search_share"),
        ({"ortools_share": 1.5}, "ortools_share"),
        ({"exact_exchange_limit": -1}, "exact_exchange_limit"),
        ({"seed_noise": 0.7}, "seed_noise"),
        ({"race_start": "thread"}, "race_start"),
    ],
)
def test_bad_solve_params_are_refused_naming_the_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        SolveParams(**change)  # type: ignore[arg-type]
    assert caught.value.field == field
