"""Checks of a routes GeoJSON against the road network, computed independently of the code that drew it."""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any

from pyproj import Geod

from optimizer.geo.road_graph import RoadGraph

WGS84 = Geod(ellps="WGS84")


def off_network(collection: dict[str, Any], graph: RoadGraph) -> list[str]:
    """Leg vertices that are not road nodes, and consecutive vertices with no road edge between them."""
    nodes = {(round(lon, 7), round(lat, 7)): k for k, (lon, lat) in enumerate(graph.lonlat.tolist())}
    found = []
    for feature in collection["features"]:
        if feature["geometry"]["type"] != "LineString":
            continue
        path = [nodes.get((round(lon, 7), round(lat, 7))) for lon, lat in feature["geometry"]["coordinates"]]
        if None in path:
            found.append(f"leg {feature['properties']['leg']} of {feature['properties']['courier_id']}: off the roads")
            continue
        for a, b in itertools.pairwise(path):
            if a != b and not graph.graph.has_edge(a, b):
                found.append(f"leg {feature['properties']['leg']}: no road from node {a} to {b}")
    return found


def drawn_metres(collection: dict[str, Any]) -> dict[str, float]:
    """Per courier: the geodesic length of its legs' geometry plus their declared access metres."""
    metres: defaultdict[str, float] = defaultdict(float)
    for feature in collection["features"]:
        if feature["geometry"]["type"] == "LineString":
            lons, lats = zip(*feature["geometry"]["coordinates"], strict=True)
            metres[feature["properties"]["courier_id"]] += WGS84.line_length(lons, lats)
            metres[feature["properties"]["courier_id"]] += feature["properties"]["access_m"]
    return dict(metres)
