"""The drive graph of a region: networkx for planners, scipy's compiled Dijkstra for matrices.

Edges carry integer centiseconds and decimetres. For the many-to-many search both are packed into
one float64 weight, ``centiseconds + decimetres * 2**-26``. Speeds are capped at 200 km/h, so a path
under 2**23 cs (23 hours) is under 2**26 dm, and float addition of such numbers is exact (49 of 53
bits): one Dijkstra run minimises time (ties by distance) and gives the distance of that fastest path
too, without walking predecessor trees in Python.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Transformer
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from optimizer.errors import ValidationError

DISTANCE_SHIFT = 2.0**-26
MAX_PATH_CS = 2**23
MAX_SPEED_KMH = 200.0
DRIVE_SPEEDS_KMH: Mapping[str, float] = MappingProxyType(
    {
        "motorway": 80.0,
        "trunk": 60.0,
        "primary": 45.0,
        "secondary": 38.0,
        "tertiary": 32.0,
        "unclassified": 25.0,
        "residential": 20.0,
        "living_street": 10.0,
        "service": 15.0,
        "motorway_link": 45.0,
        "trunk_link": 35.0,
        "primary_link": 30.0,
        "secondary_link": 28.0,
        "tertiary_link": 25.0,
    }
)
"""Typical van speeds (km/h) in Chinese urban traffic by OSM road class; classes not listed are not driven."""
MAJOR_CLASSES = frozenset({"motorway", "trunk", "primary", "motorway_link", "trunk_link", "primary_link"})


@dataclass(frozen=True)
class SpeedProfile:
    """Speed per road class, or a share of the posted `maxspeed` where OSM gives one.

    `posted_share` reflects that a delivery van in city traffic rarely drives at the posted limit;
    the class speed applies where no limit is tagged.
    """

    class_speed_kmh: Mapping[str, float] = field(default_factory=lambda: DRIVE_SPEEDS_KMH)
    posted_share: float = 0.75

    def __post_init__(self) -> None:
        if not self.class_speed_kmh:
            raise ValidationError("class_speed_kmh", "at least one road class must be driveable")
        for name, speed in self.class_speed_kmh.items():
            if not (math.isfinite(speed) and 1.0 <= speed <= MAX_SPEED_KMH):
                raise ValidationError(f"class_speed_kmh.{name}", f"must be within [1, 200], got {speed}")
        if not (math.isfinite(self.posted_share) and 0.1 <= self.posted_share <= 1.0):
            raise ValidationError("posted_share", f"must be within [0.1, 1], got {self.posted_share}")

    def fingerprint(self) -> str:
        """A stable text of every setting, for cache keys."""
        speeds = ",".join(f"{name}={speed:g}" for name, speed in sorted(self.class_speed_kmh.items()))
        return f"{speeds};posted={self.posted_share:g}"


@dataclass(frozen=True, eq=False)
class EdgeTable:
    """The directed edges as arrays (node indices, centiseconds, decimetres, OSM class), for sampling."""

    u: npt.NDArray[np.int64]
    v: npt.NDArray[np.int64]
    time_cs: npt.NDArray[np.int64]
    length_dm: npt.NDArray[np.int64]
    fclass: npt.NDArray[np.str_]


@dataclass(frozen=True, eq=False)
class RoadGraph:
    """The largest strongly connected drive component, with node coordinates and a compiled copy.

    Node `i` of `graph` is row `i` of `lonlat` / `xy` (metres in the region's UTM zone) and of `csr`.
    """

    graph: nx.DiGraph
    edges: EdgeTable
    lonlat: npt.NDArray[np.float64]
    xy: npt.NDArray[np.float64]
    major: npt.NDArray[np.bool_]
    """Nodes on motorway, trunk or primary roads: where traffic leaves the mapped area."""
    csr: csr_array
    to_utm: Transformer

    @cached_property
    def _tree(self) -> cKDTree:
        return cKDTree(self.xy)

    @cached_property
    def _major_tree(self) -> cKDTree:
        return cKDTree(self.xy[self.major] if self.major.any() else self.xy)

    def project(self, lonlat: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """WGS84 (lon, lat) rows to metres in the graph's UTM zone."""
        points = np.asarray(lonlat, dtype=np.float64).reshape(-1, 2)
        x, y = self.to_utm.transform(points[:, 0], points[:, 1])
        return np.column_stack([x, y])

    def snap(self, lonlat: npt.ArrayLike) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """Nearest graph node of each point (a k-d tree query) and the straight-line metres to it."""
        distance, index = self._tree.query(self.project(lonlat))
        return np.asarray(index, dtype=np.int64), np.asarray(distance, dtype=np.float64)

    def nearest_major(self, lonlat: npt.ArrayLike) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """Nearest node on a major road (where a line-haul truck joins the network) and the metres to it."""
        distance, index = self._major_tree.query(self.project(lonlat))
        nodes = np.flatnonzero(self.major) if self.major.any() else np.arange(len(self.xy))
        return nodes[np.asarray(index, dtype=np.int64)], np.asarray(distance, dtype=np.float64)

    @cached_property
    def _reverse_csr(self) -> csr_array:
        return csr_array(self.csr.T)

    def paths(
        self,
        sources: npt.NDArray[np.int64],
        targets: npt.NDArray[np.int64],
        *,
        reverse: bool = False,
        chunk: int = 256,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Centiseconds and decimetres of the fastest path from every source node to every target node.

        With `reverse`, entry (i, j) is the path from target j *to* source i (one search per source on
        the reversed graph): what a single new point needs to know about everyone else.
        """
        graph = self._reverse_csr if reverse else self.csr
        time_cs = np.empty((len(sources), len(targets)), dtype=np.int64)
        length_dm = np.empty_like(time_cs)
        for start in range(0, len(sources), chunk):
            rows = dijkstra(graph, directed=True, indices=sources[start : start + chunk])[:, targets]
            if not np.isfinite(rows).all():
                raise ValidationError("points", "a point is unreachable on the road graph")
            whole = np.floor(rows)
            if whole.max(initial=0) >= MAX_PATH_CS:
                raise ValidationError("points", "a path takes longer than 23 hours: too long to hold exactly")
            time_cs[start : start + chunk] = whole.astype(np.int64)
            length_dm[start : start + chunk] = np.rint((rows - whole) / DISTANCE_SHIFT).astype(np.int64)
        return time_cs, length_dm


@dataclass(frozen=True)
class _Segments:
    """Unique vertex coordinates and, per consecutive vertex pair of a line: its vertices, metres, line."""

    vertices: npt.NDArray[np.float64]
    a: npt.NDArray[np.int64]
    b: npt.NDArray[np.int64]
    length_m: npt.NDArray[np.float64]
    line: npt.NDArray[np.int64]


def _segments(roads: gpd.GeoDataFrame, to_utm: Transformer) -> _Segments:
    coords, line = shapely.get_coordinates(roads.geometry.values, return_index=True)
    keys = np.round(coords, 7)
    vertices, vertex_of = np.unique(keys, axis=0, return_inverse=True)
    vertex_of = vertex_of.reshape(-1)
    same_line = line[:-1] == line[1:]
    a, b = vertex_of[:-1][same_line], vertex_of[1:][same_line]
    x, y = to_utm.transform(coords[:, 0], coords[:, 1])
    length = np.hypot(np.diff(x), np.diff(y))[same_line]
    return _Segments(vertices, a, b, length, line[:-1][same_line])


def build_road_graph(roads: gpd.GeoDataFrame, *, utm_epsg: int, speeds: SpeedProfile) -> RoadGraph:
    """The drive graph of a road table.

    The drive graph of `roads` (see `optimizer.geo.roads`): one-way streets respected, speeds by
    class or posted limit, restricted to its largest strongly connected component.
    """
    drive = roads[roads["fclass"].isin(list(speeds.class_speed_kmh))].reset_index(drop=True)
    if drive.empty:
        raise ValidationError("roads", "no driveable road lines (check the road classes)")
    to_utm = Transformer.from_crs(4326, utm_epsg, always_xy=True)
    seg = _segments(drive, to_utm)
    vertices, a, b, length_m, line = seg.vertices, seg.a, seg.b, seg.length_m, seg.line
    class_kmh = drive["fclass"].map(speeds.class_speed_kmh).to_numpy(dtype=np.float64)
    posted = drive["maxspeed_kmh"].to_numpy(dtype=np.float64) * speeds.posted_share
    speed_ms = np.minimum(np.where(np.isfinite(posted), posted, class_kmh), MAX_SPEED_KMH)[line] / 3.6
    time_cs = np.maximum(1, np.rint(length_m / speed_ms * 100)).astype(np.int64)
    length_dm = np.rint(length_m * 10).astype(np.int64)
    oneway = drive["oneway"].to_numpy()[line]
    forward, backward = oneway != "T", oneway != "F"
    u = np.concatenate([a[forward], b[backward]])
    v = np.concatenate([b[forward], a[backward]])
    cs = np.concatenate([time_cs[forward], time_cs[backward]])
    dm = np.concatenate([length_dm[forward], length_dm[backward]])
    keep = u != v
    u, v, cs, dm = u[keep], v[keep], cs[keep], dm[keep]
    order = np.lexsort((dm, cs, v, u))  # parallel edges: keep the fastest
    u, v, cs, dm = u[order], v[order], cs[order], dm[order]
    first = np.ones(len(u), dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    u, v, cs, dm = u[first], v[first], cs[first], dm[first]
    major_class = drive["fclass"].isin(list(MAJOR_CLASSES)).to_numpy()[line]
    major_vertex = np.zeros(len(vertices), dtype=bool)
    major_vertex[a[major_class]] = True
    major_vertex[b[major_class]] = True

    fclass = np.concatenate([drive["fclass"].to_numpy()[line][forward], drive["fclass"].to_numpy()[line][backward]])
    fclass = fclass[keep][order][first].astype(str)

    full = nx.DiGraph()
    full.add_edges_from(zip(u.tolist(), v.tolist(), strict=True))
    components: list[set[int]] = [set(c) for c in nx.strongly_connected_components(full)]
    component = np.array(sorted(components[int(np.argmax([len(nodes) for nodes in components]))]), dtype=np.int64)
    index_of = np.full(len(vertices), -1, dtype=np.int64)
    index_of[component] = np.arange(len(component))
    inside = (index_of[u] >= 0) & (index_of[v] >= 0)
    edges = EdgeTable(index_of[u[inside]], index_of[v[inside]], cs[inside], dm[inside], fclass[inside])
    lonlat = vertices[component]
    graph = nx.DiGraph()
    graph.add_nodes_from((i, {"x": float(lon), "y": float(lat)}) for i, (lon, lat) in enumerate(lonlat))
    graph.add_edges_from(
        (s, t, {"time_cs": c, "length_dm": d, "fclass": k, "weight": c + d * DISTANCE_SHIFT})
        for s, t, c, d, k in zip(
            edges.u.tolist(),
            edges.v.tolist(),
            edges.time_cs.tolist(),
            edges.length_dm.tolist(),
            edges.fclass.tolist(),
            strict=True,
        )
    )
    csr = csr_array(nx.to_scipy_sparse_array(graph, nodelist=range(len(lonlat)), weight="weight", format="csr"))
    x, y = to_utm.transform(lonlat[:, 0], lonlat[:, 1])
    return RoadGraph(graph, edges, lonlat, np.column_stack([x, y]), major_vertex[component], csr, to_utm)
