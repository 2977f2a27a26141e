"""`POST /v1/quotes`: how a return can come back, what it costs and who pays."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import GateDep, NowDep, ServiceDep, TenantDep
from api.error_handlers import COMMON_ERRORS, errors
from api.routes import json_response
from api.schemas import QuoteCreate, QuotePublic

router = APIRouter(prefix="/v1", tags=["quotes"], responses=errors(*COMMON_ERRORS, 403))


@router.post("/quotes", operation_id="create_quote", response_model=QuotePublic)
async def create_quote(
    body: QuoteCreate, service: ServiceDep, tenant: TenantDep, now: NowDep, gate: GateDep
) -> Response:
    """Doorstep pickup (slots with marginal cost and green flag) and the nearest drop-off points.

    Computed on the worker's CPU gate (`429` when it is full); reads only (the quote id is signed, not stored).
    """
    quote = await gate.run(service.quotes.quote, tenant, body, now)
    return json_response(quote)
