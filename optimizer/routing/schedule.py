"""Timing, loads and cost of one courier's stop sequence: the plan-side view of a route.

Used to time the solver's routes for reporting, to find feasible insertions and to explain why a
request stays out. (The independent validator does not use it: it re-derives everything itself.)
The schedule returned is the shortest one (the courier does not leave earlier than it must only to
wait at a door), and among the shortest the earliest, which leaves the most slack for delays.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from optimizer.domain import Load, TimeWindow
from optimizer.routing.problem import COST_UNITS_PER_CENT, RoutingProblem
from optimizer.timing import serve_in_order

CAPACITY_DIMENSIONS = Load.DIMENSIONS


@dataclass(frozen=True, slots=True)
class RouteSchedule:
    """The evaluation of a stop sequence; `violations` is empty exactly when it is feasible.

    Violation names: ``capacity:<dimension>``, ``time_window``, ``shift_end``, ``max_duration``.
    """

    courier: int
    requests: tuple[int, ...]
    violations: frozenset[str]
    start_s: int
    end_s: int
    arrivals_s: tuple[int, ...]
    service_starts_s: tuple[int, ...]
    load_at_start: tuple[int, int, int]
    loads_after: tuple[tuple[int, int, int], ...]
    distance_m: int

    @property
    def feasible(self) -> bool:
        """True when the route breaks nothing."""
        return not self.violations

    @property
    def duration_s(self) -> int:
        """From leaving the start depot to arriving at the end depot."""
        return self.end_s - self.start_s


def _last_window_until(windows: tuple[TimeWindow, ...], t: int) -> TimeWindow | None:
    for window in reversed(windows):
        if window.start_s <= t:
            return window
    return None


def _load_violations(
    problem: RoutingProblem, courier: int, requests: Sequence[int]
) -> tuple[frozenset[str], tuple[int, int, int], tuple[tuple[int, int, int], ...]]:
    capacity = problem.capacities[courier]
    start = problem.delivery_loads[list(requests)].sum(axis=0) if requests else capacity * 0
    load = start.copy()
    peak = start.copy()
    after = []
    for r in requests:
        load = load - problem.delivery_loads[r] + problem.pickup_loads[r]
        peak = peak.clip(min=load)
        after.append((int(load[0]), int(load[1]), int(load[2])))
    exceeded = frozenset(
        f"capacity:{name}"
        for name, amount, limit in zip(CAPACITY_DIMENSIONS, peak, capacity, strict=True)
        if amount > limit
    )
    return exceeded, (int(start[0]), int(start[1]), int(start[2])), tuple(after)


def evaluate_route(problem: RoutingProblem, courier: int, requests: Sequence[int]) -> RouteSchedule:
    """Evaluate `requests` served in order by `courier`, from its start depot back to its end depot."""
    spec = problem.couriers[courier]
    travel = problem.travel_s(courier)
    distance = problem.matrix.distance_m
    points = [problem.start_point(courier), *(problem.request_point(r) for r in requests), problem.end_point(courier)]
    violations, load_at_start, loads_after = _load_violations(problem, courier, requests)
    route_m = int(sum(distance[a, b] for a, b in itertools.pairwise(points))) if requests else 0
    if not requests:
        return RouteSchedule(
            courier, (), violations, spec.shift.start_s, spec.shift.start_s, (), (), load_at_start, (), 0
        )

    # Latest departure that keeps every later stop inside a window and the end inside the shift.
    latest = spec.shift.end_s - int(travel[points[-2], points[-1]])
    for k in range(len(requests) - 1, -1, -1):
        request = problem.requests[requests[k]]
        window = _last_window_until(request.time_windows, latest - request.service_s)
        if window is None:
            latest = -1
            break
        start_k = min(latest - request.service_s, window.end_s)
        latest = start_k - int(travel[points[k], points[k + 1]])
    start_s = spec.shift.start_s if latest < spec.shift.start_s else min(latest, spec.shift.end_s)

    legs = [int(travel[a, b]) for a, b in itertools.pairwise(points)]
    windows = [problem.requests[r].time_windows for r in requests]
    service = [problem.requests[r].service_s for r in requests]
    pass_ = serve_in_order(start_s, legs, windows, service)
    if pass_.feasible and pass_.waiting_s == 0:
        # No waiting: leave earlier by as much as every window allows, for the same duration.
        earlier = min(begin - w.start_s for begin, w in zip(pass_.service_starts_s, pass_.windows, strict=True))
        start_s = max(spec.shift.start_s, start_s - earlier)
        pass_ = serve_in_order(start_s, legs, windows, service)
    time_violations = set() if pass_.feasible else {"time_window"}
    arrivals, service_starts, t = pass_.arrivals_s, pass_.service_starts_s, pass_.departure_s
    end_s = t + int(travel[points[-2], points[-1]])
    if end_s > spec.shift.end_s:
        time_violations.add("shift_end")
    if end_s - start_s > spec.duration_limit_s:
        time_violations.add("max_duration")
    return RouteSchedule(
        courier,
        tuple(requests),
        violations | time_violations,
        start_s,
        end_s,
        tuple(arrivals),
        tuple(service_starts),
        load_at_start,
        loads_after,
        route_m,
    )


def route_cost_units(problem: RoutingProblem, schedule: RouteSchedule) -> tuple[int, int, int]:
    """(distance, duration, fixed) cost of a route in solver units; an empty route costs nothing."""
    if not schedule.requests:
        return (0, 0, 0)
    spec = problem.couriers[schedule.courier]
    per_cent = COST_UNITS_PER_CENT
    return (
        spec.cost_per_km_cents * schedule.distance_m * (per_cent // 1000),
        spec.cost_per_hour_cents * schedule.duration_s * (per_cent // 3600),
        spec.fixed_cost_cents * per_cent,
    )
