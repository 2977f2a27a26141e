"""Travel matrices: integer seconds and metres between every pair of points.

Every source implements `MatrixSource.matrix_for(locations)`, so the routing core takes a
haversine estimate, a road-network matrix or a benchmark's Euclidean one through one interface.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from optimizer.domain import Location
from optimizer.errors import ValidationError

EARTH_RADIUS_M = 6_371_008.8
IntMatrix = npt.NDArray[np.int64]
MAX_MATRIX_VALUE = 10**9
"""Largest metres or seconds between two points (keeps cost arithmetic in 64 bits)."""


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Square matrices of non-negative integer metres and seconds, indexed by point."""

    distance_m: IntMatrix
    duration_s: IntMatrix

    def __post_init__(self) -> None:
        for name in ("distance_m", "duration_s"):
            array = getattr(self, name)
            if not isinstance(array, np.ndarray) or array.ndim != 2 or array.shape[0] != array.shape[1]:
                raise ValidationError(name, "must be a square 2-D array")
            if not np.issubdtype(array.dtype, np.integer):
                raise ValidationError(name, f"must hold integers, got {array.dtype}")
            if array.size and (array.min() < 0 or array.max() > MAX_MATRIX_VALUE):
                raise ValidationError(name, f"values must be within [0, {MAX_MATRIX_VALUE}]")
        if self.distance_m.shape != self.duration_s.shape:
            raise ValidationError("duration_s", "must have the same shape as distance_m")
        object.__setattr__(self, "distance_m", self.distance_m.astype(np.int64, copy=False))
        object.__setattr__(self, "duration_s", self.duration_s.astype(np.int64, copy=False))

    @property
    def size(self) -> int:
        """The number of points."""
        return int(self.distance_m.shape[0])


class MatrixSource(Protocol):
    """Anything that turns an ordered list of locations into a travel matrix."""

    def matrix_for(self, locations: Sequence[Location]) -> TravelMatrix:
        """The matrix over `locations`, in order."""


def haversine_distance_m(locations: Sequence[Location]) -> npt.NDArray[np.float64]:
    """Great-circle distances in metres between all pairs (vectorised)."""
    lat = np.radians(np.array([loc.lat for loc in locations], dtype=np.float64))
    lon = np.radians(np.array([loc.lon for loc in locations], dtype=np.float64))
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    result: npt.NDArray[np.float64] = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return result


@dataclass(frozen=True)
class HaversineSource:
    """Road distance estimated as great-circle distance times `detour_factor`, driven at `speed_kmh`."""

    detour_factor: float = 1.3
    speed_kmh: float = 25.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.detour_factor) and 1.0 <= self.detour_factor <= 5.0):
            raise ValidationError("detour_factor", f"must be within [1, 5], got {self.detour_factor}")
        if not (math.isfinite(self.speed_kmh) and 1.0 <= self.speed_kmh <= 200.0):
            raise ValidationError("speed_kmh", f"must be within [1, 200], got {self.speed_kmh}")

    def matrix_for(self, locations: Sequence[Location]) -> TravelMatrix:
        """Great-circle distances times the detour factor, and the time to drive them."""
        road_m = haversine_distance_m(locations) * self.detour_factor
        seconds = road_m / (self.speed_kmh / 3.6)
        return TravelMatrix(np.rint(road_m).astype(np.int64), np.rint(seconds).astype(np.int64))


def euclidean_matrix(xy: npt.ArrayLike, *, scale: float = 1.0, speed: float = 1.0) -> TravelMatrix:
    """Euclidean matrix for planar benchmark coordinates.

    Distances are multiplied by `scale` before rounding to integers (benchmarks use a large scale to
    keep double-precision accuracy); durations are scaled distances divided by `speed`.
    """
    points = np.asarray(xy, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValidationError("xy", "must be an array of (x, y) pairs")
    if scale <= 0 or speed <= 0:
        raise ValidationError("scale" if scale <= 0 else "speed", "must be positive")
    diff = points[:, None, :] - points[None, :, :]
    dist = np.sqrt((diff**2).sum(axis=2)) * scale
    return TravelMatrix(np.rint(dist).astype(np.int64), np.rint(dist / speed).astype(np.int64))
