"""Domain objects reject bad values on construction, naming the field."""

from __future__ import annotations

import pytest

from optimizer.domain import Courier, Load, Location, Parcel, PickupRequest, TimeWindow
from optimizer.errors import ValidationError

HERE = Location(22.7, 114.3)


def _request(**changes: object) -> PickupRequest:
    fields: dict[str, object] = {
        "id": "r",
        "location": HERE,
        "time_windows": (TimeWindow(0, 100),),
        "service_s": 60,
        "parcels": (Parcel(500, 1_000),),
    }
    fields.update(changes)
    return PickupRequest(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Location(91.0, 0.0), "lat"),
        (lambda: Location(0.0, float("nan")), "lon"),
        (lambda: TimeWindow(100, 50), "end_s"),
        (lambda: TimeWindow(-1, 50), "start_s"),
        (lambda: Load(-1, 0, 0), "weight_g"),
        (lambda: Parcel(100, 100, 0), "count"),
        (lambda: _request(time_windows=()), "time_windows"),
        (lambda: _request(time_windows=(TimeWindow(0, 100), TimeWindow(50, 200))), "time_windows[1]"),
        (lambda: _request(parcels=()), "parcels"),
        (lambda: _request(penalty_cents=100), "penalty_cents"),
        (lambda: _request(service_s=1.5), "service_s"),
        (lambda: _request(id=" "), "id"),
        (
            lambda: Courier("c", "D", "D", TimeWindow(0, 10), Load(1, 1, 1), speed_factor=0.0),
            "speed_factor",
        ),
        (
            lambda: Courier("c", "D", "D", TimeWindow(0, 10), Load(1, 1, 1), max_route_duration_s=0),
            "max_route_duration_s",
        ),
        (
            lambda: Courier("c", "D", "D", TimeWindow(0, 10), Load(1, 1, 1), locked_stop_ids=("a", "a")),
            "locked_stop_ids",
        ),
    ],
)
def test_bad_values_are_rejected_naming_the_field(build: object, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        build()  # type: ignore[operator]
    assert caught.value.field == field


def test_loads_add_up_over_parcel_lines_and_exchanges() -> None:
    request = _request(parcels=(Parcel(500, 1_000, 2), Parcel(3_000, 20_000)), delivery_parcels=(Parcel(700, 900),))
    assert request.pickup_load == Load(4_000, 22_000, 3)
    assert request.delivery_load == Load(700, 900, 1)
    assert request.is_exchange
    assert Load(5, 5, 5).exceeded_dimensions(Load(5, 4, 6)) == ("volume_cm3",)


def test_route_duration_limit_is_capped_by_the_shift() -> None:
    courier = Courier("c", "D", "D", TimeWindow(0, 3_600), Load(1, 1, 1), max_route_duration_s=7_200)
    assert courier.duration_limit_s == 3_600
