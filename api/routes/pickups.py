"""`/v1/pickups`: book (idempotent), read, cancel and reschedule doorstep pickups."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Response

from api.deps import NowDep, ServiceDep, TenantDep
from api.schemas import PickupCreate, PickupPublic, PickupUpdate

router = APIRouter(prefix="/v1", tags=["pickups"])
PickupId = Annotated[str, Path(min_length=1, max_length=40)]


@router.post(
    "/pickups",
    operation_id="create_pickup",
    status_code=201,
    response_model=PickupPublic,
    responses={409: {"description": "the slot can no longer be served"}},
)
def create_pickup(
    body: PickupCreate,
    response: Response,
    service: ServiceDep,
    tenant: TenantDep,
    now: NowDep,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
) -> PickupPublic:
    """Book a slot; the pickup joins the day's routes at once. A retry with the same key returns the same booking."""
    booking, replayed = service.bookings.book(tenant, body, idempotency_key, now)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return booking


@router.get("/pickups/{pickup_id}", operation_id="get_pickup", response_model=PickupPublic)
def get_pickup(pickup_id: PickupId, service: ServiceDep, tenant: TenantDep) -> PickupPublic:
    """Status and timeline (booked, courier assigned, picked up, at center) with estimated times."""
    return service.bookings.get(tenant, pickup_id)


@router.delete("/pickups/{pickup_id}", operation_id="cancel_pickup", response_model=PickupPublic)
def cancel_pickup(pickup_id: PickupId, service: ServiceDep, tenant: TenantDep, now: NowDep) -> PickupPublic:
    """Cancel: the pickup leaves its route; the booking stays readable as cancelled."""
    return service.bookings.cancel(tenant, pickup_id, now)


@router.patch(
    "/pickups/{pickup_id}",
    operation_id="reschedule_pickup",
    response_model=PickupPublic,
    responses={409: {"description": "the new slot cannot take it; the booking is unchanged"}},
)
def reschedule_pickup(
    pickup_id: PickupId, body: PickupUpdate, service: ServiceDep, tenant: TenantDep, now: NowDep
) -> PickupPublic:
    """Move to another slot, atomically."""
    return service.bookings.reschedule(tenant, pickup_id, body.slot_id, now)
