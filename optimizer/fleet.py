"""A day's courier fleet described compactly: so many couriers per depot of one vehicle type."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from optimizer.domain import Courier, Depot, Load, TimeWindow
from optimizer.errors import ValidationError


@dataclass(frozen=True)
class VehicleType:
    """A vehicle with its driver: capacity, skills and what an hour, a km and a day of it cost."""

    name: str = "van"
    capacity: Load = field(default_factory=lambda: Load(400_000, 3_000_000, 60))
    skills: frozenset[str] = frozenset({"bulky"})
    fixed_cost_cents: int = 15_000
    cost_per_km_cents: int = 120
    cost_per_hour_cents: int = 4_500
    speed_factor: float = 1.0


@dataclass(frozen=True)
class FleetSpec:
    """`couriers_per_depot` couriers of `vehicle` at every depot, each working `shift`."""

    couriers_per_depot: int = 3
    shift: TimeWindow = field(default_factory=lambda: TimeWindow(8 * 3600, 22 * 3600))
    vehicle: VehicleType = field(default_factory=VehicleType)

    def __post_init__(self) -> None:
        if isinstance(self.couriers_per_depot, bool) or not 0 <= self.couriers_per_depot <= 1000:
            raise ValidationError("couriers_per_depot", f"must be within [0, 1000], got {self.couriers_per_depot}")

    def couriers(self, depots: Sequence[Depot]) -> tuple[Courier, ...]:
        """The couriers, named `<depot>-<vehicle><n>`, each starting and ending at its depot."""
        vehicle = self.vehicle
        return tuple(
            Courier(
                id=f"{depot.id}-{vehicle.name}{n + 1}",
                start_depot_id=depot.id,
                end_depot_id=depot.id,
                shift=self.shift,
                capacity=vehicle.capacity,
                skills=vehicle.skills,
                fixed_cost_cents=vehicle.fixed_cost_cents,
                cost_per_km_cents=vehicle.cost_per_km_cents,
                cost_per_hour_cents=vehicle.cost_per_hour_cents,
                speed_factor=vehicle.speed_factor,
            )
            for depot in depots
            for n in range(self.couriers_per_depot)
        )
