"""Cheapest feasible insertion: the one engine behind slot pricing, plan repair and unassigned reasons.

Every place a new stop can go in a set of routes is a *gap* between two consecutive points. For each
gap the engine keeps the earliest departure from the point before it, the latest arrival at the
point after it that keeps every later stop in a window and the route inside its shift, and the
peak load on board before and after it. One vectorised test (`fits`) then checks every gap at once
against a window, the new stop's legs, its service time and its loads. The live plans price slots
with it directly; the routing repair pass uses it to discard infeasible gaps before it costs the
survivors exactly (`cheapest_insertion`), so its answer is the exact one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Self

import numpy as np
import numpy.typing as npt

from optimizer.domain import TimeWindow
from optimizer.routing.plan import route_units
from optimizer.routing.problem import RoutingProblem
from optimizer.routing.schedule import evaluate_route
from optimizer.timing import serve_in_order

IntArray = npt.NDArray[np.int64]
NEVER = -(2**62)
"""A latest arrival no route can meet (the rest of the route is already infeasible)."""


@dataclass(frozen=True, eq=False)
class Gaps:
    """Every insertion place of some routes, flattened: gap `p` of a route lies before its stop `p`."""

    route: IntArray
    index: IntArray
    depart_prev: IntArray
    """Earliest departure from the point before the gap."""
    latest_next: IntArray
    """Latest arrival at the point after the gap that keeps the rest of the route feasible."""
    old_leg_s: IntArray
    old_leg_m: IntArray
    peak_before: IntArray
    """Per gap, the most the route carries up to it (weight, volume, parcels); a delivery adds to it."""
    peak_after: IntArray
    """Per gap, the most the route carries from it to the end; a pickup adds to it."""
    has_stops: npt.NDArray[np.bool_]

    @classmethod
    def concat(cls, parts: Sequence[Self]) -> Self:
        """The gaps of several routes as one set."""
        return cls(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)})

    def take(self, index: IntArray) -> Self:
        """The gaps at `index` (in that order)."""
        return type(self)(**{f.name: getattr(self, f.name)[index] for f in fields(self)})


def route_gaps(
    route: int,
    shift: TimeWindow,
    legs_s: Sequence[int],
    legs_m: Sequence[int],
    windows: Sequence[Sequence[TimeWindow]],
    service_s: Sequence[int],
    loads: IntArray,
) -> Gaps:
    """The gaps of one route of `len(windows)` stops.

    `legs_s` and `legs_m` are the route's legs from the start point to the end point (one more than the
    stops; seconds at the vehicle's speed); `loads` has a row for the load on board when leaving the
    start point and one after each stop.
    """
    count = len(windows) + 1
    timed = serve_in_order(shift.start_s, legs_s, windows, service_s)
    departs = [shift.start_s, *(begin + s for begin, s in zip(timed.service_starts_s, service_s, strict=True))]
    latest = [shift.end_s]
    for k in range(len(windows) - 1, -1, -1):
        limit = latest[-1] - legs_s[k + 1] - service_s[k]
        usable = [w for w in windows[k] if w.start_s <= limit]
        latest.append(min(usable[-1].end_s, limit) if usable and limit > NEVER else NEVER)
    latest.reverse()
    loads = np.asarray(loads, dtype=np.int64).reshape(count, 3)
    return Gaps(
        route=np.full(count, route, dtype=np.int64),
        index=np.arange(count, dtype=np.int64),
        depart_prev=np.asarray(departs, dtype=np.int64),
        latest_next=np.asarray(latest, dtype=np.int64),
        old_leg_s=np.asarray(legs_s, dtype=np.int64),
        old_leg_m=np.asarray(legs_m, dtype=np.int64),
        peak_before=np.maximum.accumulate(loads, axis=0),
        peak_after=np.maximum.accumulate(loads[::-1], axis=0)[::-1],
        has_stops=np.full(count, count > 1),
    )


def fits(
    gaps: Gaps,
    leg_in_s: IntArray,
    leg_out_s: IntArray,
    window: TimeWindow,
    service_s: int,
    pickup: IntArray,
    delivery: IntArray,
    capacity: IntArray,
) -> tuple[npt.NDArray[np.bool_], IntArray]:
    """Which gaps can take the stop in `window`, and when its service would start there.

    `leg_in_s` and `leg_out_s` are per gap (at the vehicle's speed); `capacity` has a row per gap.
    """
    ok, start = in_time(gaps, leg_in_s, leg_out_s, window, service_s)
    return ok & has_room(gaps, pickup, delivery, capacity), start


def in_time(
    gaps: Gaps, leg_in_s: IntArray, leg_out_s: IntArray, window: TimeWindow, service_s: int
) -> tuple[npt.NDArray[np.bool_], IntArray]:
    """The time half of `fits`: the stop starts within `window` and every later stop keeps its own."""
    start = np.maximum(gaps.depart_prev + leg_in_s, window.start_s)
    return (start <= window.end_s) & (start + service_s + leg_out_s <= gaps.latest_next), start


def has_room(gaps: Gaps, pickup: IntArray, delivery: IntArray, capacity: IntArray) -> npt.NDArray[np.bool_]:
    """The load half of `fits` (the same for every window): the pickup and the delivery fit on board throughout."""
    after = np.all(gaps.peak_after + pickup <= capacity, axis=1)
    before = np.all(gaps.peak_before + delivery <= capacity, axis=1)
    return np.asarray(after & before, dtype=np.bool_)


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


def problem_gaps(problem: RoutingProblem, courier: int, route: Sequence[int]) -> Gaps:
    """The gaps of one courier's route in a routing problem."""
    spec = problem.couriers[courier]
    points = np.array(
        [problem.start_point(courier), *(problem.request_point(r) for r in route), problem.end_point(courier)]
    )
    travel, distance = problem.travel_s(courier), problem.matrix.distance_m
    delivered = problem.delivery_loads[list(route)].sum(axis=0) if route else np.zeros(3, dtype=np.int64)
    change = problem.pickup_loads[list(route)] - problem.delivery_loads[list(route)] if route else np.zeros((0, 3))
    loads = np.vstack([delivered, delivered + np.cumsum(change, axis=0)]).astype(np.int64)
    return route_gaps(
        courier,
        spec.shift,
        travel[points[:-1], points[1:]].tolist(),
        distance[points[:-1], points[1:]].tolist(),
        [problem.requests[r].time_windows for r in route],
        [problem.requests[r].service_s for r in route],
        loads,
    )


def cheapest_insertion(
    problem: RoutingProblem,
    routes: Mapping[int, Sequence[int]],
    request: int,
    couriers: Iterable[int],
    fixed: Mapping[int, int] | None = None,
) -> InsertionSearch:
    """The cheapest feasible position after each courier's locked prefix, costed exactly.

    `fixed` may hold, per courier, how many first stops cannot change any more (under way, say),
    beyond its locked prefix.

    The vectorised test discards the gaps that cannot take the request; the exact route evaluation
    (which also holds the route's maximum duration) costs the others. A courier with no feasible
    gap has every position evaluated, so the reasons name what blocked each one.
    """
    spec = problem.requests[request]
    point = problem.request_point(request)
    best: Insertion | None = None
    blocked_by: dict[int, frozenset[str]] = {}
    for courier in couriers:
        route = list(routes.get(courier, ()))
        gaps = problem_gaps(problem, courier, route)
        points = [problem.start_point(courier), *(problem.request_point(r) for r in route)]
        points_after = [*(problem.request_point(r) for r in route), problem.end_point(courier)]
        travel = problem.travel_s(courier)
        capacity = np.tile(problem.capacities[courier], (len(points), 1))
        ok = np.zeros(len(points), dtype=bool)
        for window in spec.time_windows:
            fit, _ = fits(
                gaps,
                travel[points, point],
                travel[point, points_after],
                window,
                spec.service_s,
                problem.pickup_loads[request],
                problem.delivery_loads[request],
                capacity,
            )
            ok |= fit
        first = max(len(problem.locked_requests[courier]), (fixed or {}).get(courier, 0))
        candidates = [p for p in range(first, len(route) + 1) if ok[p]]
        base = route_units(problem, evaluate_route(problem, courier, route)) if candidates else 0
        found = False
        for position in candidates:
            schedule = evaluate_route(problem, courier, [*route[:position], request, *route[position:]])
            if not schedule.feasible:
                continue
            found = True
            added = route_units(problem, schedule) - base
            if best is None or added < best.added_units:
                best = Insertion(courier, position, added)
        if not found:
            blocked_by[courier] = _blocked(problem, courier, route, request, first)
    return InsertionSearch(best, blocked_by)


def _blocked(problem: RoutingProblem, courier: int, route: list[int], request: int, first: int) -> frozenset[str]:
    """What breaks at each position of the route (the slow path, for reasons only)."""
    blocked: set[str] = set()
    for position in range(first, len(route) + 1):
        blocked |= evaluate_route(problem, courier, [*route[:position], request, *route[position:]]).violations
    return frozenset(blocked)
