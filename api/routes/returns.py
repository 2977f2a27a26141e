"""`/v1/returns`: a return's journey by its id, lists with filters, and the events couriers and centers send."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from api.deps import NowDep, ServiceDep, TenantDep
from api.error_handlers import COMMON_ERRORS, errors
from api.journey import Status
from api.schemas import EventAccepted, EventCreate, IsoDate, ReturnPublic, ReturnsPage
from api.services.returns import MAX_PAGE, ListFilters

router = APIRouter(prefix="/v1", tags=["returns"], responses=errors(*COMMON_ERRORS, 403, 404))
ReturnId = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")]


@router.get("/returns", operation_id="list_returns", response_model=ReturnsPage)
def list_returns(
    service: ServiceDep,
    tenant: TenantDep,
    date: Annotated[IsoDate | None, Query(description="the pickup's day or the drop-off's date")] = None,
    status: Annotated[Status | None, Query()] = None,
    merchant_id: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    cursor: Annotated[str | None, Query(min_length=1, max_length=400)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> ReturnsPage:
    """The caller's returns (an operator's: every return of the region), oldest first, a page at a time."""
    filters = ListFilters(date, status.value if status else None, merchant_id)
    return service.returns.page(tenant, filters, cursor, limit)


@router.get("/returns/{return_id}", operation_id="get_return", response_model=ReturnPublic)
def get_return(return_id: ReturnId, service: ServiceDep, tenant: TenantDep) -> ReturnPublic:
    """Status, the timeline of every stage (actual or estimated) and the log of events."""
    return service.returns.get(tenant, return_id)


@router.post(
    "/returns/{return_id}/events",
    operation_id="post_return_event",
    status_code=201,
    response_model=EventAccepted,
    responses={
        200: {"description": "this `event_id` was applied before: the return as it is now"},
        **errors(409, 422),
    },
)
def post_return_event(
    return_id: ReturnId, body: EventCreate, service: ServiceDep, tenant: TenantDep, now: NowDep
) -> JSONResponse:
    """Report what happened (operators: any event; a center's systems: `received` and `inspected`).

    Idempotent by `event_id`. An event the return's status does not allow is a `409` with the code
    `invalid_transition`; a `pickup_failed` answer carries `rebook_options` (PATCH the pickup to rebook).
    """
    accepted, replayed = service.events.post(tenant, return_id, body, now)
    headers = {"Location": f"/v1/returns/{return_id}"}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(accepted.model_dump(mode="json"), status_code=200 if replayed else 201, headers=headers)
