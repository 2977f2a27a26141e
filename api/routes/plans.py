"""`/v1/plans`: re-optimise a day's bookings in the background."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.deps import NowDep, ServiceDep, TenantDep
from api.schemas import PlanCreate, PlanJobPublic

router = APIRouter(prefix="/v1", tags=["plans"])


@router.post("/plans", operation_id="create_plan", status_code=202, response_model=PlanJobPublic)
def create_plan(body: PlanCreate, service: ServiceDep, tenant: TenantDep, now: NowDep) -> PlanJobPublic:
    """Start re-optimising the day (done stops stay locked); poll `GET /v1/plans/{id}`."""
    return service.plan_jobs.create(tenant, body, now)


@router.get("/plans/{plan_id}", operation_id="get_plan", response_model=PlanJobPublic)
def get_plan(
    plan_id: Annotated[str, Path(min_length=1, max_length=40)], service: ServiceDep, tenant: TenantDep, now: NowDep
) -> PlanJobPublic:
    """The job's status and, when done, the routes per courier."""
    return service.plan_jobs.get(tenant, plan_id, now)
