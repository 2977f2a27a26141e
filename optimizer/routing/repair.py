"""Before and after the search: locked prefixes checked, warm starts screened, plans made feasible and repaired.

A safety net takes stops out of any route the exact check rejects, then a repair pass inserts the
requests the search dropped where a feasible insertion exists.
"""

from __future__ import annotations

from collections.abc import Sequence

from optimizer.errors import InfeasibleError
from optimizer.routing.insertion import cheapest_insertion
from optimizer.routing.problem import RoutingProblem
from optimizer.routing.reasons import Screening
from optimizer.routing.schedule import evaluate_route


def check_locked_prefixes(problem: RoutingProblem) -> None:
    """A locked prefix the courier cannot serve in order is an input error, found before any search."""
    for v, prefix in enumerate(problem.locked_requests):
        if not prefix:
            continue
        courier = problem.couriers[v]
        for r in prefix:
            missing = problem.requests[r].required_skills - courier.skills
            if missing:
                raise InfeasibleError(
                    f"courier {courier.id!r}: locked stop {problem.requests[r].id!r} needs skills "
                    f"{', '.join(sorted(missing))} the courier lacks"
                )
        schedule = evaluate_route(problem, v, prefix)
        if not schedule.feasible:
            raise InfeasibleError(
                f"courier {courier.id!r}: locked stops cannot be served in order "
                f"({', '.join(sorted(schedule.violations))})"
            )


def feasible_warm_start(problem: RoutingProblem) -> tuple[dict[int, list[int]], tuple[str, ...]]:
    """The initial routes that are feasible, as index lists; a warning for each one dropped."""
    routes: dict[int, list[int]] = {}
    warnings = []
    for courier_id, stops in problem.initial_routes.items():
        v = problem.courier_index[courier_id]
        route = [problem.request_index[s] for s in stops]
        skills = problem.couriers[v].skills
        broken = set(evaluate_route(problem, v, route).violations)
        if any(not problem.requests[r].required_skills <= skills for r in route):
            broken.add("skills")
        if broken:
            warnings.append(f"initial route of courier {courier_id!r} ignored: {', '.join(sorted(broken))}")
        else:
            routes[v] = route
    for v, prefix in enumerate(problem.locked_requests):
        if prefix and v not in routes:
            routes[v] = list(prefix)
    return routes, tuple(warnings)


def restore_feasibility(problem: RoutingProblem, routes: dict[int, list[int]]) -> list[int]:
    """Take stops out of any route the exact check rejects; return them (a safety net).

    The search's load model is exact or conservative, so this should find nothing; it guards the
    corner where a locked prefix carries the later stops' exchange items.
    """
    removed: list[int] = []
    for v, route in routes.items():
        first = len(problem.locked_requests[v])
        while len(route) > first and not evaluate_route(problem, v, route).feasible:
            heaviest = max(range(first, len(route)), key=lambda k: int(problem.delivery_loads[route[k]].sum()))
            removed.append(route.pop(heaviest))
    return removed


def repair(
    problem: RoutingProblem, routes: dict[int, list[int]], missing: list[int], screenings: Sequence[Screening]
) -> None:
    """Insert dropped requests where a feasible insertion exists (mandatory always, optional if cheaper)."""
    for r in sorted(missing, key=lambda r: not problem.requests[r].mandatory):
        if screenings[r].reason is not None:
            continue
        best = cheapest_insertion(problem, routes, r, screenings[r].couriers).best
        if best is None:
            continue
        if problem.requests[r].mandatory or best.added_units < problem.penalty_units(r):
            routes.setdefault(best.courier, []).insert(best.position, r)
