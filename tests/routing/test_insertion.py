"""The insertion engine's vectorised test never throws away a place the exact route check would accept."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from optimizer.errors import InfeasibleError
from optimizer.routing.insertion import cheapest_insertion, fits, problem_gaps
from optimizer.routing.plan import route_units
from optimizer.routing.problem import RoutingProblem
from optimizer.routing.schedule import evaluate_route
from optimizer.routing.solver import solve
from tests.routing.test_properties import problems


def _exact_positions(problem: RoutingProblem, courier: int, route: list[int], request: int) -> list[bool]:
    return [evaluate_route(problem, courier, [*route[:p], request, *route[p:]]).feasible for p in range(len(route) + 1)]


def _screened_positions(problem: RoutingProblem, courier: int, route: list[int], request: int) -> list[bool]:
    gaps = problem_gaps(problem, courier, route)
    point = problem.request_point(request)
    before = [problem.start_point(courier), *(problem.request_point(r) for r in route)]
    after = [*(problem.request_point(r) for r in route), problem.end_point(courier)]
    travel = problem.travel_s(courier)
    ok = np.zeros(len(before), dtype=bool)
    for window in problem.requests[request].time_windows:
        fit, _ = fits(
            gaps,
            travel[before, point],
            travel[point, after],
            window,
            problem.requests[request].service_s,
            problem.pickup_loads[request],
            problem.delivery_loads[request],
            np.tile(problem.capacities[courier], (len(before), 1)),
        )
        ok |= fit
    return [bool(v) for v in ok]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.data())
def test_the_vectorised_test_keeps_every_position_the_exact_check_accepts(
    problem: RoutingProblem, data: st.DataObject
) -> None:
    try:
        result = solve(problem, time_limit_s=1.0, solution_limit=10)
    except InfeasibleError:
        assume(False)
        raise
    routes = {
        problem.courier_index[r.courier_id]: [problem.request_index[s.request_id] for s in r.stops]
        for r in result.routes
    }
    assume(problem.requests)
    request = data.draw(st.integers(0, len(problem.requests) - 1))
    for route in routes.values():
        if request in route:
            route.remove(request)
    for courier in range(len(problem.couriers)):
        route = routes.get(courier, [])
        if not evaluate_route(problem, courier, route).feasible:
            continue  # a route left infeasible by the removal (the matrix need not obey the triangle inequality)
        exact = _exact_positions(problem, courier, route, request)
        screened = _screened_positions(problem, courier, route, request)
        assert all(s for e, s in zip(exact, screened, strict=True) if e), (exact, screened)
        if problem.couriers[courier].max_route_duration_s is None:
            assert exact == screened, "without a duration limit the test is exact"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.data())
def test_cheapest_insertion_is_the_cheapest_exact_position(problem: RoutingProblem, data: st.DataObject) -> None:
    assume(problem.requests)
    request = data.draw(st.integers(0, len(problem.requests) - 1))
    locked = {r for prefix in problem.locked_requests for r in prefix}
    assume(request not in locked)
    routes = {v: list(prefix) for v, prefix in enumerate(problem.locked_requests) if prefix}
    couriers = list(range(len(problem.couriers)))
    found = cheapest_insertion(problem, routes, request, couriers)
    best = None
    for v in couriers:
        route = routes.get(v, [])
        base = route_units(problem, evaluate_route(problem, v, route))
        for p in range(len(problem.locked_requests[v]), len(route) + 1):
            schedule = evaluate_route(problem, v, [*route[:p], request, *route[p:]])
            if schedule.feasible and (best is None or route_units(problem, schedule) - base < best):
                best = route_units(problem, schedule) - base
    assert (found.best.added_units if found.best else None) == best
    if found.best is None:
        assert set(found.blocked_by) == set(couriers), "every courier says what blocked it"
