"""Cheapest feasible insertion of a request into a plan's routes.

The same question is asked by the plan repair after a solve, by the unassigned-reason checks and
(later) by slot pricing: where can this stop go without breaking capacity, windows or shifts, and
what does it add to the cost?
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from optimizer.routing.plan import route_units
from optimizer.routing.problem import RoutingProblem
from optimizer.routing.schedule import evaluate_route


@dataclass(frozen=True, slots=True)
class Insertion:
    """Put the request at `position` of `courier`'s route, adding `added_units` to the cost."""

    courier: int
    position: int
    added_units: int


@dataclass(frozen=True, slots=True)
class InsertionSearch:
    """The cheapest feasible insertion (if any) and, per courier with none, what blocked every position."""

    best: Insertion | None
    blocked_by: Mapping[int, frozenset[str]]


def cheapest_insertion(
    problem: RoutingProblem,
    routes: Mapping[int, Sequence[int]],
    request: int,
    couriers: Iterable[int],
) -> InsertionSearch:
    """Try every position after each courier's locked prefix; return the cheapest feasible one."""
    best: Insertion | None = None
    blocked_by: dict[int, frozenset[str]] = {}
    for courier in couriers:
        route = list(routes.get(courier, ()))
        base = route_units(problem, evaluate_route(problem, courier, route))
        blocked: set[str] = set()
        found = False
        for position in range(len(problem.locked_requests[courier]), len(route) + 1):
            schedule = evaluate_route(problem, courier, [*route[:position], request, *route[position:]])
            if not schedule.feasible:
                blocked |= schedule.violations
                continue
            found = True
            added = route_units(problem, schedule) - base
            if best is None or added < best.added_units:
                best = Insertion(courier, position, added)
        if not found:
            blocked_by[courier] = frozenset(blocked)
    return InsertionSearch(best, blocked_by)
