"""The online variant of the returns benchmark: bookings arrive over the day, re-plans at set times.

An online file (`format` "backhaul-online-1"; docs/formats.md, "Returns benchmark") holds a day's
problem, when each booking arrives (`arrivals`) and when the day is re-planned (`replan_at`). The
protocol, the same for every engine that plays it:

- Bookings are answered one by one in arrival order. One is accepted if it fits into the current
  plan after each courier's *committed* stops (those it has already left for by the arrival time,
  so a stop under way or done never moves) without breaking anything, at its cheapest place;
  otherwise it is refused. A courier already on its way back may be diverted, as if from its last
  stop.
- At each `replan_at` time, the accepted bookings are re-planned with the committed stops locked
  at the head of their routes; a re-plan that costs more than the plan it replaces is discarded.
- The outcome is the last plan (the accepted bookings, each served) with its cost, and how many
  bookings were refused. It is a plan of the static problem of the accepted bookings, which
  `backhaul validate` checks like any other.

Engines: `backhaul` re-plans with `optimizer.routing.solve` (the budget split evenly over the
re-plans); `insertion` never re-plans, the greedy dispatcher a practitioner would start from.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from optimizer.errors import ValidationError
from optimizer.geo import DEFAULT_CACHE_DIR
from optimizer.geo.matrices import TravelMatrix
from optimizer.io.problem_json import MAX_PROBLEM_BYTES, problem_from_dict
from optimizer.io.strict import JsonNode, as_clock, as_str, read_json_file
from optimizer.routing.insertion import cheapest_insertion
from optimizer.routing.plan import result_from_routes, route_units
from optimizer.routing.problem import RoutingProblem
from optimizer.routing.reasons import screen_requests
from optimizer.routing.result import RoutingResult, SolveStatus
from optimizer.routing.schedule import evaluate_route
from optimizer.routing.solver import solve

FORMAT = "backhaul-online-1"
ENGINES = ("backhaul", "insertion")
Routes = dict[int, list[int]]


@dataclass(frozen=True)
class OnlineDay:
    """A day whose bookings arrive over time: the whole problem, arrivals and re-plan times."""

    name: str
    document: Mapping[str, Any]
    """The problem document, to write the accepted bookings' problem from."""
    problem: RoutingProblem
    arrivals: tuple[tuple[int, int], ...]
    """(seconds from midnight, request index), in arrival order."""
    replan_at: tuple[int, ...]


@dataclass(frozen=True)
class OnlineOutcome:
    """The last plan over the accepted bookings, and what the day did."""

    problem: RoutingProblem
    """The static problem of the accepted bookings."""
    document: dict[str, Any]
    """The same as a problem document."""
    result: RoutingResult
    refused: int
    replans: int
    replans_kept: int


def _day(data: object, cache_dir: Path | None) -> OnlineDay:
    root = JsonNode(data, "")
    if root.get("format", as_str) != FORMAT:
        raise ValidationError(root.at("format"), f'must be "{FORMAT}"')
    name = root.get("name", as_str, "")
    document = root.get("problem", lambda value, _path: value)
    try:
        problem = problem_from_dict(document, cache_dir=cache_dir)
    except ValidationError as error:
        raise ValidationError(f"problem.{error.field}" if error.field else "problem", error.reason) from None
    arrivals = []
    for item, path in root.items("arrivals"):
        node = JsonNode(item, path)
        request_id = node.get("request_id", as_str)
        if request_id not in problem.request_index:
            raise ValidationError(node.at("request_id"), f"no request {request_id!r} in the problem")
        arrivals.append((node.get("at", as_clock), problem.request_index[request_id]))
        node.done()
    if sorted({r for _, r in arrivals}) != list(range(len(problem.requests))):
        raise ValidationError(root.at("arrivals"), "must give every request of the problem exactly once")
    replan_at = tuple(as_clock(item, path) for item, path in root.items("replan_at"))
    if list(replan_at) != sorted(set(replan_at)):
        raise ValidationError(root.at("replan_at"), "must be increasing times")
    root.done()
    ordered = tuple(sorted(arrivals))
    return OnlineDay(name, document if isinstance(document, dict) else {}, problem, ordered, replan_at)


def is_online(data: object) -> bool:
    """Whether parsed JSON is meant as an online day: it names a `format` (problem documents have none)."""
    return isinstance(data, dict) and "format" in data


def read_online(path: Path, cache_dir: Path | None = DEFAULT_CACHE_DIR) -> OnlineDay:
    """Read an online file; errors name the file, line and field."""
    return read_json_file(path, lambda data: _day(data, cache_dir), max_bytes=MAX_PROBLEM_BYTES)


def committed(
    problem: RoutingProblem, routes: Routes, at_s: int, known: dict[tuple[int, ...], list[int]] | None = None
) -> dict[int, int]:
    """Per courier, how many first stops it has left for by `at_s` (done or under way: they stay).

    `known` keeps each route's leaving times by its stops (one booking changes one route, so a day
    re-times one route per booking, not all of them).
    """
    known = {} if known is None else known
    fixed = {}
    for v, route in routes.items():
        key = (v, *route)
        if key not in known:
            schedule = evaluate_route(problem, v, route)
            starts = zip(schedule.service_starts_s, route, strict=True)
            known[key] = [schedule.start_s, *(t + problem.requests[r].service_s for t, r in starts)][:-1]
        fixed[v] = sum(1 for t in known[key] if t <= at_s)
    return fixed


def _subproblem(
    problem: RoutingProblem, accepted: list[int], routes: Routes, fixed: Mapping[int, int]
) -> RoutingProblem:
    """The accepted requests alone, each courier's first `fixed` stops locked, the routes as warm start."""
    points = [*range(len(problem.depots)), *(problem.request_point(r) for r in accepted)]
    index = np.ix_(points, points)
    matrix = TravelMatrix(problem.matrix.distance_m[index], problem.matrix.duration_s[index])
    couriers = tuple(
        replace(c, locked_stop_ids=tuple(problem.requests[r].id for r in routes.get(v, [])[: fixed.get(v, 0)]))
        for v, c in enumerate(problem.couriers)
    )
    initial = {
        problem.couriers[v].id: tuple(problem.requests[r].id for r in route) for v, route in routes.items() if route
    }
    return RoutingProblem(
        problem.depots, couriers, tuple(problem.requests[r] for r in accepted), matrix, problem.skills, initial
    )


def _cost(problem: RoutingProblem, routes: Routes) -> int:
    return sum(route_units(problem, evaluate_route(problem, v, route)) for v, route in routes.items() if route)


def _replan(
    problem: RoutingProblem, accepted: list[int], routes: Routes, held: Mapping[int, int], seconds: float, seed: int
) -> Routes | None:
    """A cheaper plan of the accepted bookings with each courier's `held` first stops locked, or None."""
    sub = _subproblem(problem, accepted, routes, held)
    result = solve(sub, time_limit_s=seconds, seed=seed)
    if result.unassigned:
        return None
    back = {problem.requests[r].id: r for r in accepted}
    planned = {
        problem.courier_index[route.courier_id]: [back[stop.request_id] for stop in route.stops]
        for route in result.routes
    }
    return planned if _cost(problem, planned) < _cost(problem, routes) else None


def play(day: OnlineDay, engine: str, time_limit_s: float, seed: int = 0) -> OnlineOutcome:
    """Answer the day's bookings in order and re-plan on schedule (`engine` "backhaul"), or never ("insertion")."""
    if engine not in ENGINES:
        raise ValueError(f"unknown online engine {engine!r}")
    problem = day.problem
    started = time.perf_counter()
    routes: Routes = {}
    accepted: list[int] = []
    refused = replans = kept = 0
    pending = list(day.replan_at) if engine == "backhaul" else []
    per_replan = time_limit_s / max(1, len(pending))
    screenings = screen_requests(problem)  # which couriers may serve each request (skills, capacity)
    held: dict[int, int] = {}  # stops committed so far per courier: a prefix that only grows

    leaving: dict[tuple[int, ...], list[int]] = {}

    def hold(at_s: int) -> dict[int, int]:
        for v, count in committed(problem, routes, at_s, leaving).items():
            held[v] = max(held.get(v, 0), count)
        return held

    for at_s, request in [*day.arrivals, (10**9, -1)]:
        while pending and pending[0] <= at_s:
            moment = pending.pop(0)
            if accepted:
                replans += 1
                better = _replan(problem, accepted, routes, hold(moment), per_replan, seed)
                if better is not None:
                    routes, kept = better, kept + 1
        if request < 0:
            break
        able = screenings[request].couriers if screenings[request].reason is None else ()
        best = cheapest_insertion(problem, routes, request, able, hold(at_s)).best
        if best is None:
            refused += 1
            continue
        routes.setdefault(best.courier, []).insert(best.position, request)
        accepted.append(request)
    accepted.sort()
    final = _subproblem(problem, accepted, {}, {})  # no routes: no warm start, nothing locked
    position = {r: k for k, r in enumerate(accepted)}
    mapped = {v: [position[r] for r in route] for v, route in routes.items() if route}
    result = result_from_routes(
        final,
        mapped,
        status=SolveStatus.FEASIBLE,
        runtime_s=time.perf_counter() - started,
        unassigned=[],
        engine=engine,
    )
    wanted = {problem.requests[r].id for r in accepted}
    document = dict(day.document)
    document["requests"] = [r for r in day.document["requests"] if r["id"] in wanted]
    document["name"] = f"{day.name}: the bookings accepted by {engine}"
    return OnlineOutcome(final, document, result, refused, replans, kept)
