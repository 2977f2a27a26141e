"""Solomon-format VRPTW files (Solomon 1987; Gehring & Homberger 1999) as routing problems.

Literature conventions: travel distance = travel time = Euclidean distance in double precision;
windows bound the start of service; waiting is allowed; the depot's due date ends every route;
the fleet is at most the file's vehicle number. The solver works in integers, so coordinates are
scaled by `scale` (default 1000): distances are rounded, travel times rounded *up*, so a plan that
is feasible in integers is feasible in double precision too.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from optimizer.domain import Courier, Depot, Load, Location, Parcel, PickupRequest, TimeWindow
from optimizer.errors import InputFileError
from optimizer.geo.matrices import TravelMatrix
from optimizer.routing.problem import RoutingProblem

DEFAULT_SCALE = 1000
"""Integer units per instance unit of distance and time."""


@dataclass(frozen=True, eq=False)
class VrptwInstance:
    """One instance; row 0 of every array is the depot."""

    name: str
    vehicles: int
    capacity: int
    xy: npt.NDArray[np.float64]
    demand: npt.NDArray[np.int64]
    ready: npt.NDArray[np.int64]
    due: npt.NDArray[np.int64]
    service: npt.NDArray[np.int64]

    @property
    def customers(self) -> int:
        """The number of customers (the depot excluded)."""
        return len(self.demand) - 1

    def route_distance(self, routes: list[list[int]]) -> float:
        """Total double-precision distance of routes given as customer numbers (depot excluded)."""
        total = 0.0
        for route in routes:
            path = [0, *route, 0]
            for a, b in itertools.pairwise(path):
                total += math.dist(self.xy[a], self.xy[b])
        return total


def read_solomon(path: Path) -> VrptwInstance:
    """Parse a Solomon-format file; errors name the file and line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise InputFileError(f"{path}: cannot read: {error}") from None
    if not lines:
        raise InputFileError(f"{path}:1: empty file")
    name = lines[0].strip()
    vehicles = capacity = -1
    rows: list[list[int]] = []
    section = ""
    for number, raw in enumerate(lines[1:], start=2):
        text = raw.strip()
        upper = text.upper()
        if upper in {"VEHICLE", "CUSTOMER"}:
            section = upper
            continue
        if not text or upper.startswith(("NUMBER", "CUST")):
            continue
        try:
            values = [int(float(v)) for v in text.split()]
        except ValueError:
            raise InputFileError(f"{path}:{number}: expected numbers, got {text!r}") from None
        if section == "VEHICLE" and len(values) == 2:
            vehicles, capacity = values
        elif section == "CUSTOMER" and len(values) == 7:
            if values[0] != len(rows):
                raise InputFileError(f"{path}:{number}: customer {values[0]} out of order")
            rows.append(values)
        else:
            raise InputFileError(f"{path}:{number}: unexpected line {text!r}")
    if vehicles < 1 or capacity < 1 or len(rows) < 2:
        raise InputFileError(f"{path}: missing VEHICLE or CUSTOMER data")
    data = np.array(rows, dtype=np.int64)
    return VrptwInstance(
        name, vehicles, capacity, data[:, 1:3].astype(np.float64), data[:, 3], data[:, 4], data[:, 5], data[:, 6]
    )


def problem_from_vrptw(instance: VrptwInstance, *, scale: int = DEFAULT_SCALE) -> RoutingProblem:
    """The instance as a routing problem whose cost is the scaled distance (one cent per unit)."""
    diff = instance.xy[:, None, :] - instance.xy[None, :, :]
    exact = np.sqrt((diff**2).sum(axis=2)) * scale
    matrix = TravelMatrix(np.rint(exact).astype(np.int64), np.ceil(exact - 1e-9).astype(np.int64))
    nowhere = Location(0.0, 0.0)
    horizon = TimeWindow(int(instance.ready[0]) * scale, int(instance.due[0]) * scale)
    couriers = tuple(
        Courier(
            f"v{k + 1}",
            "depot",
            "depot",
            horizon,
            Load(instance.capacity, 0, instance.customers),
            cost_per_km_cents=1000,
        )
        for k in range(instance.vehicles)
    )
    requests = tuple(
        PickupRequest(
            str(c),
            nowhere,
            (TimeWindow(int(instance.ready[c]) * scale, int(instance.due[c]) * scale),),
            int(instance.service[c]) * scale,
            (Parcel(int(instance.demand[c]), 0, 1),),
        )
        for c in range(1, instance.customers + 1)
    )
    return RoutingProblem((Depot("depot", nowhere),), couriers, requests, matrix)
