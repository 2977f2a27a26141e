"""Property tests: on random instances every plan is valid and every request is accounted for once."""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from hypothesis import HealthCheck, assume, given, settings, strategies as st

from optimizer.domain import Load, TimeWindow
from optimizer.errors import InfeasibleError
from optimizer.routing.params import SolveParams
from optimizer.routing.problem import RoutingProblem
from optimizer.routing.reasons import screen_requests
from optimizer.routing.result import SolveStatus
from optimizer.routing.schedule import evaluate_route
from optimizer.routing.solver import solve
from optimizer.routing.validator import validate
from tests.builders import courier, plane_problem, request

coordinate = st.integers(-2_000, 2_000)


@st.composite
def problems(draw: st.DrawFn) -> RoutingProblem:
    n_depots = draw(st.integers(1, 3))
    depots = {f"D{i}": (draw(coordinate), draw(coordinate)) for i in range(n_depots)}
    couriers = []
    for v in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, 10_000))
        couriers.append(
            courier(
                f"c{v}",
                f"D{draw(st.integers(0, n_depots - 1))}",
                end_depot=f"D{draw(st.integers(0, n_depots - 1))}",
                capacity=Load(draw(st.integers(2_000, 20_000)), 1_000_000, draw(st.integers(1, 8))),
                shift=TimeWindow(start, start + draw(st.integers(1_000, 30_000))),
                skills=sorted(draw(st.sets(st.sampled_from(["bulky", "two_person"])))),
                fixed_cents=draw(st.integers(0, 5_000)),
                per_hour_cents=draw(st.integers(0, 5_000)),
                max_duration_s=draw(st.none() | st.integers(2_000, 20_000)),
                speed_factor=draw(st.sampled_from([0.5, 0.8, 1.0, 1.25])),
            )
        )
    requests = []
    for r in range(draw(st.integers(0, 12))):
        windows = []
        t = draw(st.integers(0, 20_000))
        for _ in range(draw(st.integers(1, 2))):
            end = t + draw(st.integers(0, 7_200))
            windows.append((t, end))
            t = end + draw(st.integers(1, 3_600))
        penalty = draw(st.none() | st.integers(0, 10_000))
        requests.append(
            (
                request(
                    f"r{r}",
                    windows=windows,
                    service_s=draw(st.integers(0, 600)),
                    weight_g=draw(st.integers(1, 12_000)),
                    parcels=draw(st.integers(1, 3)),
                    delivery_weight_g=draw(st.sampled_from([0, 0, 1_000, 5_000])),
                    skills=sorted(draw(st.sets(st.sampled_from(["bulky", "two_person"]), max_size=1))),
                    penalty_cents=penalty,
                ),
                (draw(coordinate), draw(coordinate)),
            )
        )
    if draw(st.booleans()):  # a twin: alike in capacity aside (screening shares its checks), or in all but one thing
        first = couriers[0]
        unlike: dict[str, Any] = draw(
            st.sampled_from(
                [
                    {},
                    {"speed_factor": 0.5 if first.speed_factor != 0.5 else 1.0},
                    {"shift": TimeWindow((first.shift.start_s + first.shift.end_s) // 2, first.shift.end_s)},
                    {"max_route_duration_s": 1_500},
                    {"start_depot_id": "D0" if first.start_depot_id != "D0" else f"D{n_depots - 1}"},
                ]
            )
        )
        capacity = Load(draw(st.integers(2_000, 20_000)), 1_000_000, 2)
        couriers.append(dataclasses.replace(first, id="twin", capacity=capacity, **unlike))
    lock_first = draw(st.booleans())
    if requests and lock_first:
        couriers[0] = dataclasses.replace(couriers[0], locked_stop_ids=(requests[0][0].id,))
    return plane_problem(depots, couriers, requests)


@settings(
    max_examples=int(os.environ.get("BACKHAUL_PROPERTY_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(problems(), st.integers(0, 3), st.booleans())
def test_every_plan_is_valid_and_accounts_for_every_request(problem: RoutingProblem, seed: int, exact: bool) -> None:
    try:
        # Both load models: exact exchange tracking (small models) and the conservative one (large).
        params = SolveParams(exact_exchange_limit=200 if exact else 0)
        result = solve(problem, time_limit_s=2.0, seed=seed, solution_limit=30, params=params)
    except InfeasibleError:
        assume(False)
        raise
    assert validate(problem, result) == []
    assert result.status is not SolveStatus.NO_SOLUTION
    served = [s.request_id for route in result.routes for s in route.stops]
    left = [u.request_id for u in result.unassigned]
    assert sorted(served + left) == sorted(r.id for r in problem.requests)


@settings(max_examples=int(os.environ.get("BACKHAUL_PROPERTY_EXAMPLES", "60")), deadline=None)
@given(problems())
def test_screening_matches_each_courier_checked_on_its_own(problem: RoutingProblem) -> None:
    """Couriers alike in depots, shift, duration and speed share one reach check; it must not change the answer."""
    for r, screening in enumerate(screen_requests(problem)):
        spec = problem.requests[r]
        expected = tuple(
            v
            for v, c in enumerate(problem.couriers)
            if spec.required_skills <= c.skills
            and not spec.pickup_load.exceeded_dimensions(c.capacity)
            and not spec.delivery_load.exceeded_dimensions(c.capacity)
            and all(
                name.startswith("capacity:")
                for name in evaluate_route(problem, v, [*problem.locked_requests[v], r]).violations
            )
        )
        assert screening.couriers == expected
        assert (screening.reason is None) == bool(expected)
