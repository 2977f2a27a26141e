"""Routes drawn on the map: a GeoJSON `Point` per stop and a `LineString` per leg along the roads driven.

The legs follow the fastest paths of the road graph, read from the shortest-path predecessors of
one search per leg start (the same packed weights the matrices use), so every vertex of a leg is a
road node, and a leg's road metres are those of the path the matrices priced. A point off the road
reaches its road node by its access leg; each leg reports those metres too (`access_m`), so
`road_m + access_m` is the leg as planned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.sparse.csgraph import dijkstra

from optimizer.errors import ValidationError
from optimizer.geo.road_graph import DISTANCE_SHIFT, RoadGraph

if TYPE_CHECKING:
    from optimizer.geo.road_matrix import RoadNetworkSource
    from optimizer.routing.problem import RoutingProblem
    from optimizer.routing.result import RoutingResult

SEARCH_CHUNK = 64
"""Leg starts searched at once (each search keeps a row of distances and predecessors per node)."""


@dataclass(frozen=True)
class RoutePoint:
    """A depot or stop of a route: its road node and access metres, where it is, and what to show of it."""

    node: int
    access_m: float
    lon: float
    lat: float
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DrawnRoute:
    """One courier's route as points in driving order (start depot, stops, end depot)."""

    courier_id: str
    points: Sequence[RoutePoint]


def leg_paths(graph: RoadGraph, pairs: Sequence[tuple[int, int]]) -> list[tuple[list[int], int]]:
    """The road nodes of the fastest path of each (from, to) pair (both ends included) and its decimetres."""
    starts = sorted({a for a, _ in pairs})
    row_of = {node: k for k, node in enumerate(starts)}
    packed = np.empty((len(starts), graph.csr.shape[0]), dtype=np.float64)
    predecessors = np.empty((len(starts), graph.csr.shape[0]), dtype=np.int32)
    for first in range(0, len(starts), SEARCH_CHUNK):
        chunk = starts[first : first + SEARCH_CHUNK]
        found = dijkstra(graph.csr, directed=True, indices=chunk, return_predecessors=True)
        packed[first : first + len(chunk)], predecessors[first : first + len(chunk)] = found
    paths = []
    for a, b in pairs:
        row = row_of[a]
        if not np.isfinite(packed[row, b]):
            raise ValidationError("routes", f"road node {b} cannot be reached from {a}")
        path = [b]
        while path[-1] != a:
            path.append(int(predecessors[row, path[-1]]))
        total = packed[row, b]
        paths.append((path[::-1], int(np.rint((total - np.floor(total)) / DISTANCE_SHIFT))))
    return paths


def routes_geojson(graph: RoadGraph, routes: Sequence[DrawnRoute]) -> dict[str, Any]:
    """Every route as GeoJSON: a `Point` per depot and stop, a `LineString` per leg along the roads.

    A leg's properties: `courier_id`, `leg` (from 0), `from` and `to` (the points' `id`), `road_m`
    (metres along the geometry), `access_m` (off the road at both ends), `distance_m` (their sum).
    """
    pairs = [(a.node, b.node) for route in routes for a, b in zip(route.points[:-1], route.points[1:], strict=True)]
    paths = iter(leg_paths(graph, pairs))
    features: list[dict[str, Any]] = []
    for route in routes:
        for point in route.points:
            features.append(_point(point, route.courier_id))
        for k, (a, b) in enumerate(zip(route.points[:-1], route.points[1:], strict=True)):
            path, road_dm = next(paths)
            coordinates = [[float(x) for x in graph.lonlat[node]] for node in path]
            if len(coordinates) == 1:
                coordinates.append(coordinates[0])  # the same road node: a leg of no road metres
            access = a.access_m + b.access_m
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": coordinates},
                    "properties": {
                        "kind": "leg",
                        "courier_id": route.courier_id,
                        "leg": k,
                        "from": a.properties.get("id"),
                        "to": b.properties.get("id"),
                        "road_m": round(road_dm / 10, 1),
                        "access_m": round(access, 1),
                        "distance_m": round(road_dm / 10 + access, 1),
                    },
                }
            )
    return {"type": "FeatureCollection", "features": features}


def _point(point: RoutePoint, courier_id: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [point.lon, point.lat]},
        "properties": {"courier_id": courier_id, **point.properties},
    }


def plan_geojson(source: RoadNetworkSource, problem: RoutingProblem, result: RoutingResult) -> dict[str, Any]:
    """A plan's routes along the roads: start depot, stops in order, end depot (`routes_geojson`)."""
    locations = [d.location for d in problem.depots] + [r.location for r in problem.requests]
    nodes, access = source.locate(locations)
    depot_of = {d.id: k for k, d in enumerate(problem.depots)}
    request_of = {r.id: len(problem.depots) + k for k, r in enumerate(problem.requests)}

    def point(k: int, properties: dict[str, object]) -> RoutePoint:
        where = locations[k]
        return RoutePoint(int(nodes[k]), float(access[k]), where.lon, where.lat, properties)

    drawn = []
    for route in result.routes:
        courier = problem.couriers[problem.courier_index[route.courier_id]]
        points = [point(depot_of[courier.start_depot_id], {"id": courier.start_depot_id, "kind": "start"})]
        for k, stop in enumerate(route.stops, start=1):
            properties = {"id": stop.request_id, "kind": "stop", "sequence": k, "service_start_s": stop.service_start_s}
            points.append(point(request_of[stop.request_id], properties))
        points.append(point(depot_of[courier.end_depot_id], {"id": courier.end_depot_id, "kind": "end"}))
        drawn.append(DrawnRoute(route.courier_id, points))
    return routes_geojson(source.region.road_graph, drawn)


def loops_geojson(graph: RoadGraph, loops: Sequence[Sequence[tuple[float, float]]]) -> dict[str, Any]:
    """Routes given as (lon, lat) lists, depot first, each drawn along the roads and back to its depot.

    Each point is snapped to its nearest road node (`RoadGraph.snap`); couriers are named `route 1`,
    `route 2`, ... in the order given.
    """
    drawn = []
    for k, loop in enumerate(loops, start=1):
        closed = [*loop, loop[0]]
        nodes, access = graph.snap(closed)
        last = len(closed) - 1
        points = [
            RoutePoint(
                int(node),
                float(metres),
                lon,
                lat,
                {"kind": "start" if i == 0 else "end" if i == last else "stop", "sequence": i, "id": f"{k}.{i}"},
            )
            for i, ((lon, lat), node, metres) in enumerate(zip(closed, nodes, access, strict=True))
        ]
        drawn.append(DrawnRoute(f"route {k}", points))
    return routes_geojson(graph, drawn)
