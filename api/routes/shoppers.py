"""`POST /v1/orders`: delivered orders, the history abuse screening counts returns against."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ServiceDep, TenantDep
from api.error_handlers import COMMON_ERRORS, errors
from api.schemas import OrdersReport, OrdersStored

router = APIRouter(prefix="/v1", tags=["shoppers"], responses=errors(*COMMON_ERRORS))


@router.post("/orders", operation_id="report_orders", response_model=OrdersStored)
def report_orders(body: OrdersReport, service: ServiceDep, tenant: TenantDep) -> OrdersStored:
    """Report delivered orders (up to 500 a call); an order line reported before is skipped, so retries are safe."""
    return service.shoppers.report_orders(tenant, body)
