"""What a route map shows, as one JSON document: roads, sites, plans' routes, flows and the centers' load.

The same document feeds the offline page (`backhaul route --map`, the scenario report) and the
planner's page served by the API, drawn by the one renderer in `map.js`. Road nodes are sent once,
as whole 1e-5 degree steps (about a metre) from the region's south-west corner, and each road
segment as a pair of node indices: a district's roads weigh a few hundred kilobytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from optimizer.domain.model import Depot, DropOffPoint, ProcessingCenter
from optimizer.geo.region import Region, Sites
from optimizer.geo.road_graph import MAJOR_CLASSES, RoadGraph

COORDINATE_SCALE = 100_000
"""Road node coordinates are whole steps of 1/COORDINATE_SCALE degree."""
ATTRIBUTION = "Roads (c) OpenStreetMap contributors (ODbL); sites synthetic. Drawn by Backhaul."


@dataclass(frozen=True)
class CenterLoad:
    """A processing center's returns against its capacity (None: no limit) over the map's day or days."""

    id: str
    capacity: int | None
    used: int


@dataclass(frozen=True)
class Flow:
    """Returns sent from a consolidation point to a center, drawn as a straight band (the line haul)."""

    origin: tuple[float, float]
    target: tuple[float, float]
    returns: int


def road_layer(graph: RoadGraph) -> dict[str, Any]:
    """The drive graph's segments (each road once, whatever its directions), major roads apart."""
    edges = graph.edges
    low, high = np.minimum(edges.u, edges.v), np.maximum(edges.u, edges.v)
    pairs, first = np.unique(np.column_stack([low, high]), axis=0, return_index=True)
    major = np.isin(edges.fclass[first], sorted(MAJOR_CLASSES))
    origin = np.floor(graph.lonlat.min(axis=0) * COORDINATE_SCALE) / COORDINATE_SCALE
    steps = np.rint((graph.lonlat - origin) * COORDINATE_SCALE).astype(np.int64)
    return {
        "origin": [float(origin[0]), float(origin[1])],
        "scale": COORDINATE_SCALE,
        "nodes": steps.ravel().tolist(),
        "major": pairs[major].ravel().tolist(),
        "minor": pairs[~major].ravel().tolist(),
    }


def site_layer(sites: Sites) -> list[dict[str, Any]]:
    """Depots, centers and drop-off points as `{id, kind, lon, lat}`."""
    rows: list[tuple[str, Depot | ProcessingCenter | DropOffPoint]] = [("depot", s) for s in sites.depots]
    rows += [("center", s) for s in sites.centers] + [("drop_off", s) for s in sites.drop_off_points]
    return [{"id": s.id, "kind": kind, "lon": s.location.lon, "lat": s.location.lat} for kind, s in rows]


def plan_layer(name: str, routes: dict[str, Any], flows: Sequence[Flow] = ()) -> dict[str, Any]:
    """One plan: its routes (a `routes_geojson` FeatureCollection) and its flows to the centers."""
    biggest = max((f.returns for f in flows), default=1)
    drawn = [
        {"from": list(f.origin), "to": list(f.target), "returns": f.returns, "share": round(f.returns / biggest, 3)}
        for f in flows
    ]
    return {"name": name, "routes": routes, "flows": drawn}


def map_document(
    region: Region,
    plans: Sequence[dict[str, Any]],
    *,
    title: str,
    centers: Sequence[CenterLoad] = (),
    centers_title: str = "Processing centers",
    roads: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything the map draws. `plans` come from `plan_layer`; `roads` (from `road_layer`) may be cached."""
    if not plans:
        raise ValueError("a map shows at least one plan")
    return {
        "title": title,
        "region": region.name,
        "attribution": ATTRIBUTION,
        "roads": roads if roads is not None else road_layer(region.road_graph),
        "sites": site_layer(region.sites),
        "plans": list(plans),
        "centers": [{"id": c.id, "capacity": c.capacity, "used": c.used} for c in centers],
        "centers_title": centers_title,
    }
