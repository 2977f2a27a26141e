"""`/v1/pickups`: book (idempotent), read, cancel and reschedule doorstep pickups."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path
from fastapi.responses import JSONResponse

from api.deps import NowDep, ServiceDep, TenantDep
from api.error_handlers import COMMON_ERRORS, errors
from api.routes import created_headers
from api.schemas import PickupCreate, PickupPublic, PickupUpdate

router = APIRouter(prefix="/v1", tags=["pickups"], responses=errors(*COMMON_ERRORS, 403, 404, 409))
PickupId = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")]


@router.post(
    "/pickups",
    operation_id="create_pickup",
    status_code=201,
    response_model=PickupPublic,
)
def create_pickup(
    body: PickupCreate,
    service: ServiceDep,
    tenant: TenantDep,
    now: NowDep,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
) -> JSONResponse:
    """Book a slot; the pickup joins the day's routes at once.

    With an `Idempotency-Key`, a retry gets the first response (status and body) again, with
    `Idempotent-Replayed: true`; see docs/api.md for the window and the errors.
    """
    first, replay = service.bookings.book(tenant, body, idempotency_key, now)
    return JSONResponse(first.body, status_code=first.status, headers=created_headers(first, "/v1/pickups/", replay))


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
)
def reschedule_pickup(
    pickup_id: PickupId, body: PickupUpdate, service: ServiceDep, tenant: TenantDep, now: NowDep
) -> PickupPublic:
    """Move to another slot, atomically."""
    return service.bookings.reschedule(tenant, pickup_id, body.slot_id, now)
