"""`/v1/dropoffs`: register a return for a drop-off point (idempotent), and read it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path
from fastapi.responses import JSONResponse

from api.deps import NowDep, ServiceDep, TenantDep
from api.error_handlers import COMMON_ERRORS, errors
from api.routes import created_headers
from api.schemas import DropOffCreate, DropOffPublic

router = APIRouter(prefix="/v1", tags=["drop-offs"], responses=errors(*COMMON_ERRORS, 403, 404, 409))


@router.post("/dropoffs", operation_id="create_dropoff", status_code=201, response_model=DropOffPublic)
def create_dropoff(
    body: DropOffCreate,
    service: ServiceDep,
    tenant: TenantDep,
    now: NowDep,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
) -> JSONResponse:
    """Register the return for a point the quote offered; it reserves its place at a center for one day."""
    first, replay = service.dropoffs.register(tenant, body, idempotency_key, now)
    return JSONResponse(first.body, status_code=first.status, headers=created_headers(first, "/v1/dropoffs/", replay))


@router.get("/dropoffs/{return_id}", operation_id="get_dropoff", response_model=DropOffPublic)
def get_dropoff(
    return_id: Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")],
    service: ServiceDep,
    tenant: TenantDep,
) -> DropOffPublic:
    """The registration: price, center, processing date and estimates."""
    return service.dropoffs.get(tenant, return_id)
