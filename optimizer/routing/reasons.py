"""Why a request is not in the plan: checks against the problem and the final routes.

Reasons are established in order, the first that holds wins: no courier has the skills; the
parcels exceed every skilled courier's capacity; no such courier can reach the stop inside its
slot even on an otherwise empty route; the request fits into no route of this plan (with what
blocked it per courier); or, for an optional request, serving it would cost more than its penalty.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from optimizer.domain import Load
from optimizer.routing.insertion import cheapest_insertion
from optimizer.routing.problem import COST_UNITS_PER_CENT, RoutingProblem
from optimizer.routing.result import Unassigned, UnassignedReason
from optimizer.routing.schedule import evaluate_route


@dataclass(frozen=True, slots=True)
class Screening:
    """The couriers that could serve a request on their own; `reason` is set when there are none."""

    couriers: tuple[int, ...]
    reason: Unassigned | None


def _courier_class(problem: RoutingProblem, courier: int) -> tuple[object, ...]:
    """What decides whether a courier reaches a request in its slot, capacity aside.

    Couriers alike in all of it share one check: screening costs requests x classes, not x couriers.
    """
    spec = problem.couriers[courier]
    return (
        problem.start_point(courier),
        problem.end_point(courier),
        spec.shift,
        spec.duration_limit_s,
        spec.speed_factor,
        problem.locked_requests[courier],
    )


def screen_requests(problem: RoutingProblem) -> list[Screening]:
    """Screen every request against every courier: skills, capacity, reachability inside its slot."""
    skilled_memo: dict[frozenset[str], list[int]] = {}
    class_ids: dict[tuple[object, ...], int] = {}
    class_of = [class_ids.setdefault(_courier_class(problem, v), len(class_ids)) for v in range(len(problem.couriers))]
    capacities = problem.capacities
    screenings = []
    for r, request in enumerate(problem.requests):
        needs = request.required_skills
        if needs not in skilled_memo:
            skilled_memo[needs] = [v for v, c in enumerate(problem.couriers) if needs <= c.skills]
        skilled = skilled_memo[needs]
        if not skilled:
            missing = sorted(request.required_skills - set().union(*(c.skills for c in problem.couriers)))
            needed = ", ".join(sorted(request.required_skills))
            detail = f"needs skills {needed}; no courier has all of them"
            if missing:
                detail += f" (no courier has {', '.join(missing)})"
            screenings.append(Screening((), Unassigned(request.id, UnassignedReason.NO_SKILLED_COURIER, detail)))
            continue
        pickup, delivery = problem.pickup_loads[r], problem.delivery_loads[r]
        room = (pickup <= capacities).all(axis=1) & (delivery <= capacities).all(axis=1)
        fitting = [v for v in skilled if room[v]]
        if not fitting:
            screenings.append(Screening((), _capacity_reason(problem, r, skilled)))
            continue
        reaches: dict[int, bool] = {}  # courier class -> whether it reaches this request
        reachable = []
        for v in fitting:
            if class_of[v] not in reaches:
                schedule = evaluate_route(problem, v, [*problem.locked_requests[v], r])
                reaches[class_of[v]] = not any(not name.startswith("capacity:") for name in schedule.violations)
            if reaches[class_of[v]]:
                reachable.append(v)
        if not reachable:
            detail = (
                f"none of the {len(fitting)} couriers with the skills and room can reach it inside its slot "
                "and return within the shift and maximum route duration, even on an otherwise empty route"
            )
            screenings.append(Screening((), Unassigned(request.id, UnassignedReason.UNREACHABLE_IN_SLOT, detail)))
            continue
        screenings.append(Screening(tuple(reachable), None))
    return screenings


def _capacity_reason(problem: RoutingProblem, request: int, skilled: Sequence[int]) -> Unassigned:
    spec = problem.requests[request]
    parts = []
    for label, load in (("pickup", spec.pickup_load), ("delivery", spec.delivery_load)):
        for name in Load.DIMENSIONS:
            largest = max(getattr(problem.couriers[v].capacity, name) for v in skilled)
            if getattr(load, name) > largest:
                parts.append(f"{label} {name} {getattr(load, name)} > largest capacity {largest}")
    detail = "parcels exceed every skilled courier's capacity: " + "; ".join(parts)
    return Unassigned(spec.id, UnassignedReason.EXCEEDS_VEHICLE_CAPACITY, detail)


def explain_unassigned(
    problem: RoutingProblem,
    routes: Mapping[int, Sequence[int]],
    request: int,
    screening: Screening,
) -> Unassigned:
    """The reason `request` is not in `routes`, checked against those routes."""
    if screening.reason is not None:
        return screening.reason
    spec = problem.requests[request]
    search = cheapest_insertion(problem, routes, request, screening.couriers)
    if search.best is not None and spec.mandatory:
        courier_id = problem.couriers[search.best.courier].id
        detail = f"a feasible insertion exists (courier {courier_id}) but the time limit ended the search first"
        return Unassigned(spec.id, UnassignedReason.NOT_INSERTED_IN_TIME, detail)
    if search.best is not None:
        added = search.best.added_units / COST_UNITS_PER_CENT
        detail = (
            f"cheapest insertion (courier {problem.couriers[search.best.courier].id}) adds "
            f"{added:.2f} cents, more than its penalty of {spec.penalty_cents} cents"
        )
        return Unassigned(spec.id, UnassignedReason.PENALTY_CHEAPER, detail)
    counts: Counter[str] = Counter()
    for blocked in search.blocked_by.values():
        counts.update(blocked)
    summary = ", ".join(f"{name} on {n} courier(s)" for name, n in sorted(counts.items()))
    detail = f"fits into no route of this plan without breaking: {summary}"
    return Unassigned(spec.id, UnassignedReason.NO_FEASIBLE_INSERTION, detail)
