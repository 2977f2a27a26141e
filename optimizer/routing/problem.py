"""The routing problem: domain objects plus a travel matrix, cross-checked and compiled to integers.

Points of the travel matrix are ordered depots first, then requests: depot `d` is point `d`,
request `r` is point ``len(depots) + r``. Couriers and requests are referred to by their
position in the tuples; ids are for people and files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

import numpy as np

from optimizer.domain import DEFAULT_SKILLS, Courier, Depot, Location, PickupRequest
from optimizer.errors import ValidationError
from optimizer.geo.matrices import HaversineSource, IntMatrix, MatrixSource, TravelMatrix

COST_UNITS_PER_CENT = 36_000
"""Integer cost scale inside the solver: km and hour rates in cents both become whole units."""


def _unique_ids(kind: str, ids: list[str]) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, item_id in enumerate(ids):
        if item_id in index:
            raise ValidationError(f"{kind}[{i}].id", f"duplicate id {item_id!r}")
        index[item_id] = i
    return index


@dataclass(frozen=True, eq=False)
class RoutingProblem:
    """An immutable, validated pickup-routing instance.

    `initial_routes` maps courier ids to request ids: a warm start the search begins from.
    """

    depots: tuple[Depot, ...]
    couriers: tuple[Courier, ...]
    requests: tuple[PickupRequest, ...]
    matrix: TravelMatrix
    skills: frozenset[str] = DEFAULT_SKILLS
    initial_routes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __reduce__(self) -> tuple[type[RoutingProblem], tuple[object, ...]]:
        """Pickle by the constructor's arguments (the race's child process gets its own copy)."""
        fields = (self.depots, self.couriers, self.requests, self.matrix, self.skills, dict(self.initial_routes))
        return (RoutingProblem, fields)

    def __post_init__(self) -> None:
        object.__setattr__(self, "initial_routes", MappingProxyType(dict(self.initial_routes)))
        if not self.depots:
            raise ValidationError("depots", "at least one depot is required")
        if not self.couriers:
            raise ValidationError("couriers", "at least one courier is required")
        depot_index = _unique_ids("depots", [d.id for d in self.depots])
        _unique_ids("couriers", [c.id for c in self.couriers])
        request_index = _unique_ids("requests", [r.id for r in self.requests])
        expected = len(self.depots) + len(self.requests)
        if self.matrix.size != expected:
            raise ValidationError(
                "matrix", f"has {self.matrix.size} points, expected {expected} (depots, then requests)"
            )
        for i, request in enumerate(self.requests):
            self._check_known_skills(f"requests[{i}].required_skills", request.required_skills)
        locked_by: dict[str, str] = {}
        for i, courier in enumerate(self.couriers):
            where = f"couriers[{i}]"
            self._check_known_skills(f"{where}.skills", courier.skills)
            for name in ("start_depot_id", "end_depot_id"):
                if getattr(courier, name) not in depot_index:
                    raise ValidationError(f"{where}.{name}", f"unknown depot {getattr(courier, name)!r}")
            for j, request_id in enumerate(courier.locked_stop_ids):
                if request_id not in request_index:
                    raise ValidationError(f"{where}.locked_stop_ids[{j}]", f"unknown request {request_id!r}")
                if request_id in locked_by:
                    raise ValidationError(
                        f"{where}.locked_stop_ids[{j}]",
                        f"request {request_id!r} is already locked to courier {locked_by[request_id]!r}",
                    )
                locked_by[request_id] = courier.id
        self._check_initial_routes(request_index, locked_by)

    def _check_known_skills(self, where: str, skills: frozenset[str]) -> None:
        unknown = sorted(skills - self.skills)
        if unknown:
            raise ValidationError(where, f"unknown skill {unknown[0]!r} (known: {', '.join(sorted(self.skills))})")

    def _check_initial_routes(self, request_index: dict[str, int], locked_by: dict[str, str]) -> None:
        courier_by_id = {c.id: c for c in self.couriers}
        seen: set[str] = set()
        for courier_id, stops in self.initial_routes.items():
            where = f"initial_routes.{courier_id}"
            if courier_id not in courier_by_id:
                raise ValidationError(where, f"unknown courier {courier_id!r}")
            for j, request_id in enumerate(stops):
                if request_id not in request_index:
                    raise ValidationError(f"{where}[{j}]", f"unknown request {request_id!r}")
                if request_id in seen:
                    raise ValidationError(f"{where}[{j}]", f"request {request_id!r} is in two initial routes")
                seen.add(request_id)
            locked = courier_by_id[courier_id].locked_stop_ids
            if tuple(stops[: len(locked)]) != locked:
                raise ValidationError(where, "must begin with the courier's locked stops, in order")
            for request_id in stops[len(locked) :]:
                if request_id in locked_by:
                    raise ValidationError(
                        where, f"request {request_id!r} is locked to courier {locked_by[request_id]!r}"
                    )

    @classmethod
    def from_source(
        cls,
        depots: Sequence[Depot],
        couriers: Sequence[Courier],
        requests: Sequence[PickupRequest],
        source: MatrixSource | None = None,
        *,
        skills: frozenset[str] = DEFAULT_SKILLS,
        initial_routes: Mapping[str, tuple[str, ...]] | None = None,
    ) -> RoutingProblem:
        """Build a problem whose travel matrix comes from `source` over the depots' and requests' locations.

        Without a source, travel is estimated from great-circle distances (`HaversineSource`).
        """
        locations: list[Location] = [d.location for d in depots] + [r.location for r in requests]
        matrix = (source or HaversineSource()).matrix_for(locations)
        return cls(tuple(depots), tuple(couriers), tuple(requests), matrix, skills, initial_routes or {})

    # Derived, index-based views used by the solver and the plan checks.

    @cached_property
    def request_index(self) -> Mapping[str, int]:
        """Request id -> position."""
        return MappingProxyType({r.id: i for i, r in enumerate(self.requests)})

    @cached_property
    def courier_index(self) -> Mapping[str, int]:
        """Courier id -> position."""
        return MappingProxyType({c.id: i for i, c in enumerate(self.couriers)})

    @cached_property
    def _depot_point(self) -> Mapping[str, int]:
        return {d.id: i for i, d in enumerate(self.depots)}

    def request_point(self, request: int) -> int:
        """The matrix point of request `request`."""
        return len(self.depots) + request

    def start_point(self, courier: int) -> int:
        """The matrix point of the courier's start depot."""
        return self._depot_point[self.couriers[courier].start_depot_id]

    def end_point(self, courier: int) -> int:
        """The matrix point of the courier's end depot."""
        return self._depot_point[self.couriers[courier].end_depot_id]

    @cached_property
    def _travel_by_speed(self) -> dict[float, IntMatrix]:
        factors = sorted({c.speed_factor for c in self.couriers})
        base = self.matrix.duration_s
        return {f: base if f == 1.0 else np.rint(base / f).astype(np.int64) for f in factors}

    def travel_s(self, courier: int) -> IntMatrix:
        """Travel times for this courier's vehicle: ``round(duration_s / speed_factor)``."""
        return self._travel_by_speed[self.couriers[courier].speed_factor]

    @cached_property
    def locked_requests(self) -> tuple[tuple[int, ...], ...]:
        """Per courier, the request indices of its locked prefix."""
        return tuple(tuple(self.request_index[r] for r in c.locked_stop_ids) for c in self.couriers)

    @cached_property
    def pickup_loads(self) -> IntMatrix:
        """Per request, what is collected (weight, volume, parcels)."""
        return np.array([r.pickup_load.as_tuple() for r in self.requests], dtype=np.int64).reshape(-1, 3)

    @cached_property
    def delivery_loads(self) -> IntMatrix:
        """Per request, what is handed over (weight, volume, parcels)."""
        return np.array([r.delivery_load.as_tuple() for r in self.requests], dtype=np.int64).reshape(-1, 3)

    @cached_property
    def capacities(self) -> IntMatrix:
        """Per courier, the vehicle's capacity (weight, volume, parcels)."""
        return np.array([c.capacity.as_tuple() for c in self.couriers], dtype=np.int64).reshape(-1, 3)

    def penalty_units(self, request: int) -> int:
        """What leaving an optional request out costs, in solver units."""
        return self.requests[request].penalty_cents * COST_UNITS_PER_CENT
