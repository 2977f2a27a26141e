"""Turn routes (request indices per courier) into a reported `RoutingResult`.

Every engine's routes, ours or a peer's, are timed, loaded and costed here the same way, so the
validator and the reports see one form whatever produced the plan.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from optimizer.domain import Load
from optimizer.errors import InfeasibleError
from optimizer.routing.problem import COST_UNITS_PER_CENT, RoutingProblem
from optimizer.routing.result import CostBreakdown, Route, RoutingResult, SolveStatus, Stop, Unassigned
from optimizer.routing.schedule import RouteSchedule, evaluate_route, route_cost_units


def _route(problem: RoutingProblem, schedule: RouteSchedule) -> Route:
    distance, duration, fixed = route_cost_units(problem, schedule)
    stops = []
    for k, r in enumerate(schedule.requests):
        request = problem.requests[r]
        begin = schedule.service_starts_s[k]
        stops.append(
            Stop(request.id, schedule.arrivals_s[k], begin, begin + request.service_s, Load(*schedule.loads_after[k]))
        )
    per_cent = COST_UNITS_PER_CENT
    return Route(
        problem.couriers[schedule.courier].id,
        schedule.start_s,
        schedule.end_s,
        schedule.distance_m,
        Load(*schedule.load_at_start),
        tuple(stops),
        CostBreakdown(distance / per_cent, duration / per_cent, fixed / per_cent),
    )


def result_from_routes(
    problem: RoutingProblem,
    routes: Mapping[int, Sequence[int]],
    *,
    status: SolveStatus,
    runtime_s: float,
    first_solution_s: float | None = None,
    solutions_found: int = 0,
    unassigned: Sequence[Unassigned],
    warnings: tuple[str, ...] = (),
    strict: bool = True,
    engine: str = "",
) -> RoutingResult:
    """Time and cost `routes`, with `unassigned` the requests left out and their reasons.

    With `strict`, a route that breaks a constraint is an internal error; without it (to report a
    peer engine's plan), the route is reported as timed and the validator names what it breaks.
    """
    built = []
    for v in sorted(v for v, route in routes.items() if route):
        schedule = evaluate_route(problem, v, routes[v])
        if strict and not schedule.feasible:
            raise InfeasibleError(
                f"internal error: route of courier {problem.couriers[v].id!r} breaks "
                f"{', '.join(sorted(schedule.violations))}"
            )
        built.append(_route(problem, schedule))
    penalty = sum(problem.requests[problem.request_index[u.request_id]].penalty_cents for u in unassigned)
    cost = sum((route.cost for route in built), CostBreakdown()) + CostBreakdown(penalty_cents=float(penalty))
    return RoutingResult(
        status,
        tuple(built),
        tuple(sorted(unassigned, key=lambda u: problem.request_index[u.request_id])),
        cost,
        runtime_s,
        first_solution_s,
        solutions_found,
        warnings,
        engine,
    )


def route_units(problem: RoutingProblem, schedule: RouteSchedule) -> int:
    """Total cost of a route in solver units."""
    return sum(route_cost_units(problem, schedule))


def plan_units(problem: RoutingProblem, routes: dict[int, list[int]] | None, big: int) -> float:
    """Exact cost of a plan in solver units, a mandatory request left out counting `big`."""
    if routes is None:
        return math.inf
    total = 0
    for v, route in routes.items():
        schedule = evaluate_route(problem, v, route)
        skills = problem.couriers[v].skills
        if not schedule.feasible or any(not problem.requests[r].required_skills <= skills for r in route):
            return math.inf
        total += route_units(problem, schedule)
    served = {r for route in routes.values() for r in route}
    for r, request in enumerate(problem.requests):
        if r not in served:
            total += big if request.mandatory else problem.penalty_units(r)
    return total
