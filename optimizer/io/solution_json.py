"""The JSON solution format (docs/formats.md): a `RoutingResult` as plain data, and read back strictly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from optimizer.domain import Load
from optimizer.errors import ValidationError
from optimizer.io.strict import JsonNode, as_int, as_name, as_number, as_str, int_in, read_json_file
from optimizer.routing.problem import RoutingProblem
from optimizer.routing.result import (
    CostBreakdown,
    Route,
    RoutingResult,
    SolveStatus,
    Stop,
    Unassigned,
    UnassignedReason,
)

MAX_SOLUTION_BYTES = 256 * 2**20
_TIME = int_in(-(2**31), 2**31)


def _load(load: Load) -> dict[str, int]:
    return {"weight_g": load.weight_g, "volume_cm3": load.volume_cm3, "parcels": load.parcels}


def _cost(cost: CostBreakdown) -> dict[str, float]:
    """Costs at full precision, so `backhaul validate` can hold a written file to the exact arithmetic."""
    return {
        "distance_cents": cost.distance_cents,
        "duration_cents": cost.duration_cents,
        "fixed_cents": cost.fixed_cents,
        "penalty_cents": cost.penalty_cents,
        "total_cents": cost.total_cents,
    }


def _route(route: Route, problem: RoutingProblem) -> dict[str, Any]:
    """A route with, per stop, its place and the leg that reached it (time, metres, waiting before service)."""
    depots, requests = len(problem.depots), {r.id: k for k, r in enumerate(problem.requests)}
    courier = problem.couriers[problem.courier_index[route.courier_id]]
    depot_at = {d.id: k for k, d in enumerate(problem.depots)}
    position, clock, stops = depot_at[courier.start_depot_id], route.start_s, []
    for stop in route.stops:
        target = depots + requests[stop.request_id]
        where = problem.requests[requests[stop.request_id]].location
        stops.append(
            {
                "request_id": stop.request_id,
                "lat": where.lat,
                "lon": where.lon,
                "travel_s": stop.arrival_s - clock,
                "travel_m": int(problem.matrix.distance_m[position, target]),
                "arrival_s": stop.arrival_s,
                "waiting_s": stop.service_start_s - stop.arrival_s,
                "service_start_s": stop.service_start_s,
                "departure_s": stop.departure_s,
                "load_after": _load(stop.load_after),
            }
        )
        position, clock = target, stop.departure_s
    return {
        "courier_id": route.courier_id,
        "start_s": route.start_s,
        "end_s": route.end_s,
        "duration_s": route.duration_s,
        "distance_m": route.distance_m,
        "load_at_start": _load(route.load_at_start),
        "cost": _cost(route.cost),
        "stops": stops,
        "return_travel_s": route.end_s - clock,
        "return_travel_m": int(problem.matrix.distance_m[position, depot_at[courier.end_depot_id]]),
    }


def add_leg_geometry(document: dict[str, Any], drawn: dict[str, Any]) -> None:
    """Put the road polylines of the plan's GeoJSON (`route_shapes.plan_geojson`) into a solution document.

    Each stop gets the leg that reached it (`geometry`, `[lon, lat]` points), each route its way back
    (`return_geometry`).
    """
    routes = {route["courier_id"]: route for route in document["routes"]}
    for feature in drawn["features"]:
        properties = feature["properties"]
        if properties.get("kind") != "leg":
            continue
        route, leg = routes[properties["courier_id"]], properties["leg"]
        coordinates = feature["geometry"]["coordinates"]
        if leg < len(route["stops"]):
            route["stops"][leg]["geometry"] = coordinates
        else:
            route["return_geometry"] = coordinates


def result_to_dict(result: RoutingResult, problem: RoutingProblem) -> dict[str, Any]:
    """The solution document written by `backhaul route --out` or `--json` (stops with places and legs)."""
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
        "routes": [_route(route, problem) for route in result.routes],
        "unassigned": [
            {"request_id": u.request_id, "reason": u.reason.value, "detail": u.detail} for u in result.unassigned
        ],
        "warnings": list(result.warnings),
    }


def _read_load(node: JsonNode, key: str) -> Load:
    load = node.child(key)
    read = Load(load.get("weight_g", as_int), load.get("volume_cm3", as_int), load.get("parcels", as_int))
    load.done()
    return read


def _read_cost(node: JsonNode) -> CostBreakdown:
    cost = node.child("cost")
    parts = {name: cost.get(name, as_number) for name in ("distance_cents", "duration_cents", "fixed_cents")}
    read = CostBreakdown(**parts, penalty_cents=cost.get("penalty_cents", as_number, 0.0))
    cost.get("total_cents", as_number, 0.0)  # derived; read so it is not an unknown key
    cost.done()
    return read


def _choice(kind: type[SolveStatus] | type[UnassignedReason]) -> Any:
    def convert(value: object, path: str) -> Any:
        try:
            return kind(as_str(value, path))
        except ValueError:
            raise ValidationError(path, f"must be one of {', '.join(k.value for k in kind)}, got {value!r}") from None

    return convert


def result_from_dict(data: object) -> RoutingResult:
    """A solution document back as a `RoutingResult` (errors name the field); what the validator checks.

    Routes, stops, loads, costs and the unassigned list are required; the run's figures are optional.
    """
    root = JsonNode(data, "")
    routes = []
    for item, path in root.items("routes"):
        node = JsonNode(item, path)
        stops = []
        for stop_item, stop_path in node.items("stops"):
            stop = JsonNode(stop_item, stop_path)
            stops.append(
                Stop(
                    stop.get("request_id", as_name),
                    stop.get("arrival_s", _TIME),
                    stop.get("service_start_s", _TIME),
                    stop.get("departure_s", _TIME),
                    _read_load(stop, "load_after"),
                )
            )
            stop.used.update(_DERIVED_STOP_KEYS)
            stop.done()
        route = Route(
            courier_id=node.get("courier_id", as_name),
            start_s=node.get("start_s", _TIME),
            end_s=node.get("end_s", _TIME),
            distance_m=node.get("distance_m", int_in(0, 2**62)),
            load_at_start=_read_load(node, "load_at_start"),
            stops=tuple(stops),
            cost=_read_cost(node),
        )
        node.used.update(_DERIVED_ROUTE_KEYS)
        node.done()
        routes.append(route)
    unassigned = []
    for item, path in root.items("unassigned"):
        node = JsonNode(item, path)
        unassigned.append(
            Unassigned(
                node.get("request_id", as_name),
                node.get("reason", _choice(UnassignedReason)),
                node.get("detail", as_str, ""),
            )
        )
        node.done()
    result = RoutingResult(
        status=root.get("status", _choice(SolveStatus), SolveStatus.FEASIBLE),
        routes=tuple(routes),
        unassigned=tuple(unassigned),
        cost=_read_cost(root),
        runtime_s=root.get("runtime_s", as_number, 0.0),
        first_solution_s=root.optional("first_solution_s", as_number),
        solutions_found=root.get("solutions_found", as_int, 0),
        engine=root.get("engine", as_str, ""),
        warnings=tuple(str(w) for w, _ in root.items("warnings", required=False)),
    )
    for derived in ("distance_m", "duration_s", "vehicles_used"):
        root.get(derived, as_number, 0.0)
    root.done()
    return result


_DERIVED_STOP_KEYS = ("lat", "lon", "travel_s", "travel_m", "waiting_s", "geometry")
_DERIVED_ROUTE_KEYS = ("duration_s", "return_travel_s", "return_travel_m", "return_geometry")
"""Keys a solution carries for readers, derived from the rest: the validator recomputes what it needs."""


def load_solution(path: Path) -> RoutingResult:
    """Read a solution file; every error becomes an `InputFileError` naming the file, line and field."""
    return read_json_file(path, result_from_dict, max_bytes=MAX_SOLUTION_BYTES)
