"""`GET /v1/pickup-slots`: the slots an address can book, priced by what they add to the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import GateDep, NowDep, ServiceDep, TenantDep
from api.error_handlers import COMMON_ERRORS, errors
from api.routes import json_response
from api.schemas import IsoDate, LatLon, ParcelIn, SlotsPublic

router = APIRouter(prefix="/v1", tags=["pickup slots"], responses=errors(*COMMON_ERRORS))


@router.get("/pickup-slots", operation_id="list_pickup_slots", response_model=SlotsPublic)
async def list_pickup_slots(
    service: ServiceDep,
    gate: GateDep,
    _tenant: TenantDep,
    now: NowDep,
    lat: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False)],
    lon: Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False)],
    weight_g: Annotated[int, Query(ge=1, le=1_000_000)] = 1000,
    volume_cm3: Annotated[int, Query(ge=1, le=10_000_000)] = 5000,
    parcel_count: Annotated[int, Query(ge=1, le=100)] = 1,
    date_from: Annotated[IsoDate | None, Query()] = None,
    days: Annotated[int, Query(ge=1, le=31)] = 1,
) -> Response:
    """Every slot of `days` days from `date_from` (default today): availability, marginal cost, green.

    Computed on the worker's CPU gate (`429` when it is full), like quotes.
    """
    parcels = [ParcelIn(weight_g=weight_g, volume_cm3=volume_cm3, count=parcel_count)]
    slots = await gate.run(service.quotes.slots, LatLon(lat=lat, lon=lon), parcels, date_from, days, now)
    return json_response(slots)
