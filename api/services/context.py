"""What every resource's service shares: settings, store, the region's desk, day plans and the checks.

No FastAPI here: routes validate and call the resource services; these call the optimizer and the store.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from api.config import Settings
from api.day_plans import DayPlans
from api.errors import NotFoundError
from api.schemas import LatLon, ParcelIn
from api.store import Store
from api.tables import BookingRow, DropOffRow
from optimizer.domain import Location, Parcel
from optimizer.errors import ValidationError
from optimizer.geo.region import Region, load_region
from optimizer.geo.road_matrix import RoadNetworkSource
from optimizer.live import DayPlan, NewPickup
from optimizer.quoting import ReturnsDesk


@functools.lru_cache(maxsize=8)
def _region(name: str, regions_dir: Path) -> Region:
    """A region loaded once per process: every service of this worker shares its road graph."""
    return load_region(name, regions_dir=regions_dir)


Row = TypeVar("Row", BookingRow, DropOffRow)


def owned(session: Session, model: type[Row], row_id: str, tenant: str, *, lock: bool = False) -> Row:
    """The tenant's pickup or drop-off (read again and locked with `lock`); 404 for a missing or another tenant's."""
    row = session.get(model, row_id, with_for_update=lock, populate_existing=lock)
    if row is None or row.tenant != tenant:
        raise NotFoundError(f"no {'pickup' if model is BookingRow else 'drop-off'} {row_id}")
    return row


def utc(moment: datetime) -> datetime:
    """Datetimes from SQLite come back naive; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class ServiceContext:
    """One region's desk and day plans over one store; safe to share between threads of one worker."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        region = _region(settings.region, settings.regions_dir)
        self.desk = ReturnsDesk(
            region,
            RoadNetworkSource(region, settings.cache_dir, cache_max_bytes=settings.matrix_cache_max_bytes),
            settings.fleet(),
            slots=settings.slot_policy(),
            policies=settings.policies(),
            timezone=settings.timezone,
            pricing_radius_m=settings.pricing_radius_m,
        )
        self.region = region.name
        self.plans = DayPlans(store, region.name, self.desk.planner.empty_plan())

    def current_plan(self, day: date) -> DayPlan:
        """The day's plan as committed (empty if nobody booked that day yet)."""
        return self.plans.read(day)

    def current_plans(self, days: Sequence[date]) -> dict[date, DayPlan]:
        """`current_plan` of several days, read together."""
        return self.plans.read_days(days)

    def routes_of(self, plan: DayPlan, day: date) -> list[dict[str, Any]]:
        """Per courier with stops, the pickups in order and each one's estimated service start (JSON-ready)."""
        schedule = self.desk.planner.schedule(plan)
        return [
            {
                "courier_id": courier,
                "stops": [
                    {
                        "pickup_id": s.booking_id,
                        "service_start": self.desk.local_time(day, schedule[s.booking_id][1]).isoformat(),
                    }
                    for s in route.stops
                ],
            }
            for courier, route in plan.routes.items()
            if route.stops
        ]

    def today(self, now: datetime) -> date:
        """The region's local date at `now`."""
        return now.astimezone(self.desk.zone).date()

    def check_day(self, day: date, now: datetime, field: str) -> None:
        """A day that can be booked: not past, within the booking horizon (else a 422 naming `field`)."""
        today = self.today(now)
        if day < today:
            raise ValidationError(field, f"{day} is in the past (today is {today} in {self.desk.zone.key})")
        if day > today + timedelta(days=self.settings.max_days_ahead):
            raise ValidationError(field, f"at most {self.settings.max_days_ahead} days ahead")

    def check_slot_days(self, days: int) -> None:
        """How many days one slot list or quote may span."""
        if days > self.settings.max_slot_days:
            raise ValidationError("days", f"at most {self.settings.max_slot_days}")

    def parcels(self, parcels: list[ParcelIn], field: str = "parcels") -> list[Parcel]:
        """The parcel lines as domain parcels, within the per-return limit (else a 422 naming `field`)."""
        if sum(p.count for p in parcels) > self.settings.max_parcels:
            raise ValidationError(field, f"at most {self.settings.max_parcels} parcels per return")
        return [Parcel(p.weight_g, p.volume_cm3, p.count) for p in parcels]

    def booked_pickup(self, row: BookingRow) -> NewPickup:
        """A booked pickup located again (its address, parcels and exchange item never change)."""
        parcels = self.parcels([ParcelIn(**p) for p in row.parcels])
        deliveries = self.parcels([ParcelIn(**p) for p in row.delivery_parcels or []], "delivery_parcels")
        return self.desk.pickup(self.desk.located(Location(row.lat, row.lon)), parcels, delivery_parcels=deliveries)

    def pickup_at(self, origin: LatLon, parcels: list[Parcel]) -> NewPickup:
        """A pickup of `parcels` at an address, located on the road network."""
        return self.desk.pickup(self.desk.located(Location(origin.lat, origin.lon)), parcels)
