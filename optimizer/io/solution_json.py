"""The JSON solution format (docs/formats.md): a `RoutingResult` as plain data."""

from __future__ import annotations

from typing import Any

from optimizer.domain import Load
from optimizer.routing.result import CostBreakdown, Route, RoutingResult


def _load(load: Load) -> dict[str, int]:
    return {"weight_g": load.weight_g, "volume_cm3": load.volume_cm3, "parcels": load.parcels}


def _cost(cost: CostBreakdown) -> dict[str, float]:
    return {
        "distance_cents": round(cost.distance_cents, 4),
        "duration_cents": round(cost.duration_cents, 4),
        "fixed_cents": round(cost.fixed_cents, 4),
        "penalty_cents": round(cost.penalty_cents, 4),
        "total_cents": round(cost.total_cents, 4),
    }


def _route(route: Route) -> dict[str, Any]:
    return {
        "courier_id": route.courier_id,
        "start_s": route.start_s,
        "end_s": route.end_s,
        "duration_s": route.duration_s,
        "distance_m": route.distance_m,
        "load_at_start": _load(route.load_at_start),
        "cost": _cost(route.cost),
        "stops": [
            {
                "request_id": stop.request_id,
                "arrival_s": stop.arrival_s,
                "service_start_s": stop.service_start_s,
                "departure_s": stop.departure_s,
                "load_after": _load(stop.load_after),
            }
            for stop in route.stops
        ],
    }


def result_to_dict(result: RoutingResult) -> dict[str, Any]:
    """The solution document written by `backhaul route --out`."""
    return {
        "status": result.status.value,
        "cost": _cost(result.cost),
        "distance_m": result.distance_m,
        "duration_s": result.duration_s,
        "vehicles_used": len(result.routes),
        "runtime_s": round(result.runtime_s, 3),
        "first_solution_s": None if result.first_solution_s is None else round(result.first_solution_s, 3),
        "solutions_found": result.solutions_found,
        "engine": result.engine,
        "routes": [_route(route) for route in result.routes],
        "unassigned": [
            {"request_id": u.request_id, "reason": u.reason.value, "detail": u.detail} for u in result.unassigned
        ],
        "warnings": list(result.warnings),
    }
