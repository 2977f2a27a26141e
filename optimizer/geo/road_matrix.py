"""Travel matrices over a region's road network, cached on disk.

Each point is snapped to its nearest road node; the matrix entry is the fastest road path between
the two nodes plus each point's access leg (the straight line from the road to the door, driven
slowly). Points outside the region's boundary, or farther from any road than the region allows,
are rejected by index, so a typo in a coordinate never becomes a 40 km detour.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from optimizer.domain import Location
from optimizer.errors import ValidationError
from optimizer.geo.disk_cache import write_atomically
from optimizer.geo.hierarchy import RoadHierarchy, hierarchy_of
from optimizer.geo.matrices import MAX_MATRIX_VALUE, TravelMatrix, haversine_distance_m
from optimizer.geo.region import Region

Legs = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]
"""Whole seconds and metres of several trips."""
CACHE_FORMAT = "road-matrix-v1"
"""Bumped whenever the way matrices are computed changes, so old cache files are never reused."""
CACHE_MAX_BYTES = 512 * 1024 * 1024
"""The default bound of the matrix cache on disk: past it, the least recently used files go."""


def _lonlat(locations: Sequence[Location]) -> npt.NDArray[np.float64]:
    return np.array([(loc.lon, loc.lat) for loc in locations], dtype=np.float64).reshape(-1, 2)


@dataclass(frozen=True, slots=True)
class LocatedPoint:
    """A point on the road network: its nearest road node and the access metres from the road."""

    node: int
    access_m: float


@dataclass(frozen=True, eq=False)
class Targets:
    """Road points that legs are priced to: each one's node and access, and the distinct nodes among them.

    Build it once per set of points (a plan's stops, the depots) and reuse it: the hierarchy keeps
    the distinct nodes pinned while the same object comes back.
    """

    unique: npt.NDArray[np.int64]
    position: npt.NDArray[np.int64]
    """Per point, the index of its node in `unique`."""
    access: npt.NDArray[np.float64]

    @classmethod
    def of(cls, nodes: npt.NDArray[np.int64], access: npt.NDArray[np.float64]) -> Targets:
        """The targets at these road nodes with these access metres."""
        unique, position = np.unique(nodes, return_inverse=True)
        unique = unique.astype(np.int64)
        unique.flags.writeable = False  # pinned by identity: it must never change under the hierarchy
        return cls(unique, position.astype(np.int64), np.asarray(access, dtype=np.float64))


@dataclass(frozen=True)
class RoadNetworkSource:
    """`MatrixSource` over a region's drive graph; `cache_dir=None` computes every time."""

    region: Region
    cache_dir: Path | None = None
    access_speed_kmh: float = 10.0
    cache_max_bytes: int = CACHE_MAX_BYTES
    """The cache directory's bound: every write removes the least recently used files beyond it."""
    field: str = "points"
    """How errors name the located points (e.g. ``requests`` when the caller's list is requests)."""

    def _check(self, lonlat: npt.NDArray[np.float64]) -> None:
        outside = np.flatnonzero(self.region.outside(lonlat))
        if len(outside):
            i = int(outside[0])
            raise ValidationError(
                f"{self.field}[{i}]",
                f"({lonlat[i, 1]:.6f}, {lonlat[i, 0]:.6f}) is outside region {self.region.name}"
                + (f" ({len(outside)} points in all)" if len(outside) > 1 else ""),
            )

    def _snap(self, lonlat: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        nodes, access_m = self.region.road_graph.snap(lonlat)
        far = np.flatnonzero(access_m > self.region.max_snap_m)
        if len(far):
            i = int(far[0])
            raise ValidationError(
                f"{self.field}[{i}]",
                f"({lonlat[i, 1]:.6f}, {lonlat[i, 0]:.6f}) is {access_m[i]:,.0f} m from the nearest mapped road "
                f"(region {self.region.name} allows {self.region.max_snap_m:,.0f} m)",
            )
        return nodes, access_m

    def _cache_path(self, lonlat: npt.NDArray[np.float64]) -> Path | None:
        if self.cache_dir is None:
            return None
        digest = hashlib.sha256()
        for part in (
            CACHE_FORMAT,
            self.region.fingerprint,
            f"{self.access_speed_kmh:g}",
            f"{self.region.max_snap_m:g}",
        ):
            digest.update(part.encode() + b"\0")
        digest.update(np.ascontiguousarray(lonlat).tobytes())
        return self.cache_dir / f"{self.region.name}-{len(lonlat)}-{digest.hexdigest()[:32]}.npz"

    def matrix_for(self, locations: Sequence[Location]) -> TravelMatrix:
        """Road-network metres and seconds between all pairs of `locations` (reused from the cache if there)."""
        lonlat = _lonlat(locations)
        self._check(lonlat)
        path = self._cache_path(lonlat)
        cached = _read_cache(path)
        if cached is not None and cached.size == len(locations):
            return cached
        nodes, access_m = self._snap(lonlat)
        unique, position = np.unique(nodes, return_inverse=True)
        time_cs, length_dm = self.region.road_graph.paths(unique, unique)
        pair = np.ix_(position, position)
        duration, distance = self.combine(time_cs[pair], length_dm[pair], access_m[:, None], access_m[None, :])
        np.fill_diagonal(distance, 0)
        np.fill_diagonal(duration, 0)
        matrix = TravelMatrix(distance, duration)
        if path is not None:
            _write_cache(path, matrix)
            _prune_cache(path.parent, self.cache_max_bytes)
        return matrix

    def combine(
        self,
        time_cs: npt.NDArray[np.int64],
        length_dm: npt.NDArray[np.int64],
        access_from_m: npt.ArrayLike,
        access_to_m: npt.ArrayLike,
    ) -> Legs:
        """Whole seconds and metres of a trip: the road path plus both points' access legs.

        The one rounding rule for every travel figure, so a leg computed alone equals the matrix entry.
        """
        access = np.asarray(access_from_m, dtype=np.float64) + np.asarray(access_to_m, dtype=np.float64)
        seconds = time_cs / 100 + access / (self.access_speed_kmh / 3.6)
        return _whole(seconds), _whole(length_dm / 10 + access)

    def locate(self, locations: Sequence[Location]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """Road node and access metres of each location; rejects points outside the region or far from roads."""
        lonlat = _lonlat(locations)
        self._check(lonlat)
        return self._snap(lonlat)

    @property
    def hierarchy(self) -> RoadHierarchy:
        """The road graph's contraction hierarchy (built once per process, its order cached in `cache_dir`)."""
        return hierarchy_of(self.region.road_graph, self.region.fingerprint, self.cache_dir)

    def legs(self, point: LocatedPoint, targets: Targets) -> tuple[Legs, Legs]:
        """(seconds, metres) from each of the targets to `point`, and back.

        Found by the hierarchy for just these targets, so the cost follows their number, not the map's
        size. Two distinct points, even at one address, are their access legs apart, as in `matrix_for`.
        """
        paths = self.hierarchy.paths(point.node, targets.unique)
        at = targets.position
        inbound = self.combine(paths.in_cs[at], paths.in_dm[at], targets.access, point.access_m)
        outbound = self.combine(paths.out_cs[at], paths.out_dm[at], point.access_m, targets.access)
        return inbound, outbound

    def nearest(self, sites: Sequence[Location], points: Sequence[Location]) -> npt.NDArray[np.int64]:
        """The nearest site by road to each point.

        Index of the site with the shortest road path from the site to each point (a depot's courier
        driving out, a shopper's trip to a drop-off point); one Dijkstra per site, not per point.
        """
        site_lonlat, point_lonlat = _lonlat(sites), _lonlat(points)
        self._check(point_lonlat)
        point_nodes, point_access = self._snap(point_lonlat)
        site_nodes, site_access = self.region.road_graph.snap(site_lonlat)
        _, length_dm = self.region.road_graph.paths(site_nodes, point_nodes)
        metres = length_dm / 10 + site_access[:, None] + point_access[None, :]
        return np.asarray(metres.argmin(axis=0), dtype=np.int64)

    def line_haul_m(self, origins: Sequence[Location], destinations: Sequence[Location]) -> npt.NDArray[np.int64]:
        """Line-haul road metres from origins to destinations.

        Road metres from each origin (inside the region) to each destination, which may lie beyond
        the mapped network: such a destination is reached from the nearest major-road node, then by the
        tariff's detour factor times the straight line.
        """
        origin_lonlat, target_lonlat = _lonlat(origins), _lonlat(destinations)
        self._check(origin_lonlat)
        origin_nodes, origin_access = self._snap(origin_lonlat)
        graph = self.region.road_graph
        target_nodes, target_access = graph.snap(target_lonlat)
        off = target_access > self.region.max_snap_m
        gateway, _ = graph.nearest_major(target_lonlat[off])
        target_nodes[off] = gateway
        beyond = np.zeros(len(destinations))
        for index, (lon, lat) in zip(np.flatnonzero(off), graph.lonlat[gateway], strict=True):
            straight = haversine_distance_m([Location(float(lat), float(lon)), destinations[int(index)]])[0, 1]
            beyond[index] = straight * self.region.line_haul.off_network_detour
        target_access[off] = 0.0
        _, length_dm = graph.paths(origin_nodes, target_nodes)
        metres = length_dm / 10 + origin_access[:, None] + (target_access + beyond)[None, :]
        return _whole(metres)


def _whole(values: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    result = np.rint(values).astype(np.int64)
    if result.size and result.max() > MAX_MATRIX_VALUE:
        raise ValidationError("points", f"a travel value exceeds {MAX_MATRIX_VALUE}")
    return result


def _read_cache(path: Path | None) -> TravelMatrix | None:
    """The cached matrix, or None when absent or unreadable (a damaged file is recomputed, not trusted)."""
    if path is None or not path.is_file():
        return None
    try:
        with np.load(path) as data:
            matrix = TravelMatrix(data["distance_m"].astype(np.int64), data["duration_s"].astype(np.int64))
        os.utime(path)  # recently used: pruning keeps it
    except (OSError, ValueError, KeyError, ValidationError):
        return None
    return matrix


def _prune_cache(directory: Path, max_bytes: int) -> None:
    """Remove the least recently used matrices until the directory holds at most `max_bytes` of them."""
    try:
        files = [(entry.stat().st_mtime, entry.stat().st_size, entry) for entry in directory.glob("*.npz")]
    except OSError:
        return
    total = sum(size for _, size, _ in files)
    for _, size, entry in sorted(files, key=lambda f: f[0]):
        if total <= max_bytes:
            return
        entry.unlink(missing_ok=True)
        total -= size


def _write_cache(path: Path, matrix: TravelMatrix) -> None:
    """Write the matrix atomically: a crash never leaves a half-written cache entry."""
    distance, duration = matrix.distance_m.astype(np.int32), matrix.duration_s.astype(np.int32)
    write_atomically(path, lambda f: np.savez(f, distance_m=distance, duration_s=duration))
