"""`POST /v1/quotes`: how a return can come back, what it costs and who pays."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import NowDep, ServiceDep, TenantDep
from api.error_handlers import COMMON_ERRORS, errors
from api.schemas import QuoteCreate, QuotePublic

router = APIRouter(prefix="/v1", tags=["quotes"], responses=errors(*COMMON_ERRORS, 403))


@router.post("/quotes", operation_id="create_quote", response_model=QuotePublic)
def create_quote(body: QuoteCreate, service: ServiceDep, tenant: TenantDep, now: NowDep) -> QuotePublic:
    """Doorstep pickup (slots with marginal cost and green flag) and the nearest drop-off points.

    Runs on the event loop like the slot list: reads only (the quote id is signed, not stored).
    """
    return service.quotes.quote(tenant, body, now)
