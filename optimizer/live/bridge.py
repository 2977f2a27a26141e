"""Between live plans and the routing core: a plan as a routing problem and result, and back.

`plan_problem` turns a plan into a `RoutingProblem` (to re-optimise the day and for the independent
validator), `plan_result` times and costs the plan over it, `plan_from_result` takes a re-optimised
stop order back into a plan, and `booked_request` is the one conversion of a booked stop to a request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from optimizer.domain import Location, Parcel, PickupRequest, TimeWindow
from optimizer.live.plan import DayPlan, LiveRoute, LiveStop
from optimizer.live.pricer import LivePlanner
from optimizer.routing.plan import result_from_routes
from optimizer.routing.problem import RoutingProblem
from optimizer.routing.result import RoutingResult, SolveStatus


def booked_request(
    stop: LiveStop,
    location: Location,
    slot: TimeWindow,
    parcels: Sequence[Parcel],
    delivery_parcels: Sequence[Parcel] = (),
) -> PickupRequest:
    """A booked pickup as a routing request: its booked slot, the live plan's service time and skills.

    An exchange's `delivery_parcels` leave the depot on the courier and are handed over at the stop.
    """
    return PickupRequest(
        stop.booking_id,
        location,
        (slot,),
        stop.service_s,
        tuple(parcels),
        delivery_parcels=tuple(delivery_parcels),
        required_skills=stop.skills,
    )


def plan_problem(
    planner: LivePlanner,
    plan: DayPlan,
    requests: Sequence[PickupRequest],
    *,
    locked: Mapping[str, Sequence[str]] | None = None,
) -> RoutingProblem:
    """The day as a routing problem over the road network, with the live plan as the warm start.

    `requests` are the booked pickups (each window is its booked slot); `locked` maps couriers to the
    stops they have already done (a re-plan keeps them as the start of their routes).
    """
    couriers = tuple(
        replace(courier, locked_stop_ids=tuple((locked or {}).get(courier.id, ()))) for courier in planner.couriers
    )
    matrix = planner.source.matrix_for([d.location for d in planner.depots] + [r.location for r in requests])
    initial = {c: tuple(s.booking_id for s in route.stops) for c, route in plan.routes.items() if route.stops}
    return RoutingProblem(planner.depots, couriers, tuple(requests), matrix, initial_routes=initial)


def plan_result(problem: RoutingProblem, plan: DayPlan) -> RoutingResult:
    """The live plan as a timed, costed result over `problem` (from `plan_problem`), for the validator."""
    routes = {
        problem.courier_index[c]: [problem.request_index[s.booking_id] for s in route.stops]
        for c, route in plan.routes.items()
    }
    return result_from_routes(problem, routes, status=SolveStatus.FEASIBLE, runtime_s=0.0, unassigned=(), strict=False)


def plan_from_result(
    planner: LivePlanner, problem: RoutingProblem, result: RoutingResult, stops: Mapping[str, LiveStop]
) -> DayPlan:
    """A re-optimised plan: the solver's stop order, legs read from the problem's matrix."""
    matrix = problem.matrix
    routes = dict(planner.empty_plan().routes)
    for route in result.routes:
        courier = problem.courier_index[route.courier_id]
        points = [problem.start_point(courier)]
        points += [problem.request_point(problem.request_index[s.request_id]) for s in route.stops]
        points.append(problem.end_point(courier))
        new_stops = tuple(
            replace(
                stops[s.request_id],
                leg_s=int(matrix.duration_s[points[k], points[k + 1]]),
                leg_m=int(matrix.distance_m[points[k], points[k + 1]]),
            )
            for k, s in enumerate(route.stops)
        )
        end = (int(matrix.duration_s[points[-2], points[-1]]), int(matrix.distance_m[points[-2], points[-1]]))
        routes[route.courier_id] = LiveRoute(route.courier_id, new_stops, *end)
    return DayPlan(routes)
