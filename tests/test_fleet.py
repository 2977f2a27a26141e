"""Fleet specs: several vehicle types per depot, distinct names, each courier's type found again."""

from __future__ import annotations

import pytest

from optimizer.domain import Depot, Load, Location
from optimizer.errors import ValidationError
from optimizer.fleet import FleetSpec, VehicleType
from optimizer.policy import ReturnPolicy
from optimizer.quoting import SlotPolicy

DEPOTS = (Depot("D1", Location(22.7, 114.3)), Depot("D2", Location(22.71, 114.31)))


def test_a_mixed_fleet_names_each_courier_by_depot_and_type() -> None:
    trike = VehicleType(name="etrike", capacity=Load(100_000, 500_000, 20), skills=frozenset(), co2_g_per_km=20)
    fleet = FleetSpec(2, vehicle=VehicleType(), more=((trike, 3),))
    couriers = fleet.couriers(DEPOTS)
    assert len(couriers) == 2 * (2 + 3)
    assert [c.id for c in couriers[:5]] == ["D1-van1", "D1-van2", "D1-etrike1", "D1-etrike2", "D1-etrike3"]
    assert fleet.vehicle_of("D2-etrike3").co2_g_per_km == 20
    assert fleet.vehicle_of("D2-van1").name == "van"
    assert couriers[2].capacity.parcels == 20


def test_bad_fleets_name_the_field() -> None:
    with pytest.raises(ValidationError, match="vehicle type names must differ"):
        FleetSpec(1, more=((VehicleType(), 1),))
    with pytest.raises(ValidationError, match=r"more\[0\]\.per_depot"):
        FleetSpec(1, more=((VehicleType(name="bike"), -1),))
    with pytest.raises(ValidationError, match="couriers_per_depot"):
        FleetSpec(-1)
    with pytest.raises(ValidationError, match="not a courier"):
        FleetSpec(1).vehicle_of("D1-truck1")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "two words"}, "name"),
        ({"cost_per_km_cents": -1}, "cost_per_km_cents"),
        ({"speed_factor": 0.0}, "speed_factor"),
        ({"co2_g_per_km": float("nan")}, "co2_g_per_km"),
        ({"skills": frozenset({""})}, "skills"),
    ],
)
def test_a_vehicle_type_rejects_a_bad_field_by_name(change: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        VehicleType(**change)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_slot_policy_and_return_policy_validate_themselves() -> None:
    with pytest.raises(ValidationError, match="cutoff_s"):
        SlotPolicy(cutoff_s=-60)
    with pytest.raises(ValidationError, match="currency"):
        ReturnPolicy(currency="yuan")
