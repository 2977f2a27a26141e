"""Small problems on a plane: 1 metre of Euclidean distance takes 1 second, so costs are easy to know."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from optimizer.domain import Courier, Depot, Load, Location, Parcel, PickupRequest, TimeWindow
from optimizer.geo.matrices import euclidean_matrix
from optimizer.routing.params import SolveParams
from optimizer.routing.problem import RoutingProblem
from optimizer.routing.result import RoutingResult
from optimizer.routing.solver import solve
from optimizer.routing.validator import validate

DAY = TimeWindow(0, 100_000)
ROOMY = Load(1_000_000, 1_000_000, 1_000)


def courier(
    courier_id: str,
    depot: str = "D",
    *,
    end_depot: str | None = None,
    capacity: Load = ROOMY,
    shift: TimeWindow = DAY,
    skills: Sequence[str] = (),
    fixed_cents: int = 0,
    per_km_cents: int = 1000,
    per_hour_cents: int = 0,
    max_duration_s: int | None = None,
    speed_factor: float = 1.0,
    locked: Sequence[str] = (),
) -> Courier:
    return Courier(
        courier_id,
        depot,
        end_depot or depot,
        shift,
        capacity,
        frozenset(skills),
        fixed_cents,
        per_km_cents,
        per_hour_cents,
        max_duration_s,
        speed_factor,
        tuple(locked),
    )


def request(
    request_id: str,
    *,
    windows: Sequence[tuple[int, int]] = ((0, 100_000),),
    service_s: int = 0,
    weight_g: int = 1_000,
    parcels: int = 1,
    delivery_weight_g: int = 0,
    skills: Sequence[str] = (),
    penalty_cents: int | None = None,
) -> PickupRequest:
    delivery = (Parcel(delivery_weight_g, 0, 1),) if delivery_weight_g else ()
    return PickupRequest(
        request_id,
        Location(0.0, 0.0),
        tuple(TimeWindow(a, b) for a, b in windows),
        service_s,
        (Parcel(weight_g // parcels, 1_000, parcels),),
        delivery,
        frozenset(skills),
        mandatory=penalty_cents is None,
        penalty_cents=penalty_cents or 0,
    )


def plane_problem(
    depots: Mapping[str, tuple[float, float]],
    couriers: Sequence[Courier],
    requests: Sequence[tuple[PickupRequest, tuple[float, float]]],
    *,
    initial_routes: Mapping[str, tuple[str, ...]] | None = None,
) -> RoutingProblem:
    """Depots and requests at plane coordinates in metres; travel takes 1 s per metre."""
    xy = [*depots.values(), *(point for _, point in requests)]
    matrix = euclidean_matrix(np.array(xy, dtype=float))
    return RoutingProblem(
        tuple(Depot(name, Location(0.0, 0.0)) for name in depots),
        tuple(couriers),
        tuple(r for r, _ in requests),
        matrix,
        initial_routes=initial_routes or {},
    )


def solve_valid(
    problem: RoutingProblem,
    *,
    time_limit_s: float = 0.5,
    solution_limit: int | None = None,
    params: SolveParams | None = None,
) -> RoutingResult:
    """Solve and insist that the independent validator accepts the result."""
    result = solve(problem, time_limit_s=time_limit_s, solution_limit=solution_limit, params=params)
    assert validate(problem, result) == []
    return result


def stops(result: RoutingResult) -> dict[str, list[str]]:
    return {route.courier_id: [s.request_id for s in route.stops] for route in result.routes}
