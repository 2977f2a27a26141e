"""A day's courier fleet described compactly: so many couriers per depot of one vehicle type."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from optimizer.domain import MAX_RATE_CENTS, Courier, Depot, Load, TimeWindow
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
    co2_g_per_km: float = 180.0
    """Tailpipe CO2 per km (a light diesel van; about 60 for an electric van on China's grid)."""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip() or not self.name.isidentifier():
            raise ValidationError("name", f"must be a short word (letters, digits, _), got {self.name!r}")
        if not isinstance(self.capacity, Load):
            raise ValidationError("capacity", f"must be a Load, got {self.capacity!r}")
        if not all(isinstance(skill, str) and skill for skill in self.skills):
            raise ValidationError("skills", f"must be non-empty strings, got {sorted(map(str, self.skills))}")
        for name in ("fixed_cost_cents", "cost_per_km_cents", "cost_per_hour_cents"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_RATE_CENTS:
                raise ValidationError(name, f"must be an integer within [0, {MAX_RATE_CENTS}], got {value!r}")
        for name, low, high in (("speed_factor", 0.05, 20.0), ("co2_g_per_km", 0.0, 10_000.0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
                raise ValidationError(name, f"must be within [{low:g}, {high:g}], got {value!r}")


@dataclass(frozen=True)
class FleetSpec:
    """A day's fleet: so many couriers per depot of each vehicle type.

    `couriers_per_depot` couriers of `vehicle` at every depot, plus `more` (vehicle type, count per
    depot) pairs for a mixed fleet; everyone works `shift`.
    """

    couriers_per_depot: int = 4
    shift: TimeWindow = field(default_factory=lambda: TimeWindow(8 * 3600, 22 * 3600))
    vehicle: VehicleType = field(default_factory=VehicleType)
    more: tuple[tuple[VehicleType, int], ...] = ()

    def __post_init__(self) -> None:
        for i, (_, count) in enumerate(((self.vehicle, self.couriers_per_depot), *self.more)):
            if isinstance(count, bool) or not 0 <= count <= 1000:
                where = "couriers_per_depot" if i == 0 else f"more[{i - 1}].per_depot"
                raise ValidationError(where, f"must be within [0, 1000], got {count}")
        names = [v.name for v, _ in self.types()]
        if len(set(names)) != len(names):
            raise ValidationError("more", f"vehicle type names must differ, got {names}")

    def types(self) -> tuple[tuple[VehicleType, int], ...]:
        """Every vehicle type with its count per depot."""
        return ((self.vehicle, self.couriers_per_depot), *self.more)

    def vehicle_of(self, courier_id: str) -> VehicleType:
        """The vehicle type of a courier this fleet named."""
        for vehicle, _ in self.types():
            stem = courier_id.rsplit("-", 1)[-1].rstrip("0123456789")
            if stem == vehicle.name:
                return vehicle
        raise ValidationError("courier_id", f"{courier_id!r} is not a courier of this fleet")

    def couriers(self, depots: Sequence[Depot]) -> tuple[Courier, ...]:
        """The couriers, named `<depot>-<vehicle><n>`, each starting and ending at its depot."""
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
            for vehicle, count in self.types()
            for n in range(count)
        )
