"""Helpers for the service tests: settings for a small fleet on the test region, and request bodies."""

from __future__ import annotations

import socket
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from api.config import Settings
from api.schemas import LatLon, ParcelIn, PickupCreate

if TYPE_CHECKING:
    from api.services import Service

REGION = "shanghai-central"
ADDRESS = {"lat": 31.2304, "lon": 121.4737}  # People's Square
KEYS = "platform:pk-secret,merchant7:mk-secret,ops:op-secret"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def tomorrow() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=1)


def settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "region": REGION,
        "couriers_per_depot": 1,
        "vehicle_parcels": 5,
        "api_keys": KEYS,
        "operator_tenants": "ops",
        "merchant_tenants": "merchant7:m-7",
        "background_plan_every_s": 0,
    }
    values.update(overrides)
    return Settings(**values)


def return_fields(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "origin": dict(ADDRESS),
        "parcels": [{"weight_g": 800, "volume_cm3": 4000}],
        "category": "apparel",
        "reason": "size_or_fit",
        "insured": False,
        "merchant_id": "m-1",
    }
    body.update(overrides)
    return body


def slot(hour: int = 11, day: date | None = None) -> str:
    return f"{(day or tomorrow()).isoformat()}T{hour:02d}:00-{hour + 2:02d}:00"


def book(service: Service, slot_id: str, lat: float = ADDRESS["lat"], lon: float = ADDRESS["lon"]) -> str:
    """Book a 900 g apparel pickup for the platform straight into the service (no HTTP); its id."""
    body = PickupCreate(
        slot_id=slot_id,
        origin=LatLon(lat=lat, lon=lon),
        parcels=[ParcelIn(weight_g=900, volume_cm3=4000)],
        category="apparel",
        reason="size_or_fit",
        merchant_id="m-1",
    )
    booking, _ = service.bookings.book("platform", body, None, datetime.now(UTC))
    return str(booking.body["id"])


PLATFORM = {"X-API-Key": "pk-secret"}
MERCHANT = {"X-API-Key": "mk-secret"}
OPERATOR = {"X-API-Key": "op-secret"}
