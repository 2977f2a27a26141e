"""`/v1/plans` and `/v1/days/{date}/routes`: operators re-optimise a day and read its routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from api.deps import NowDep, OperatorDep, ServiceDep
from api.error_handlers import COMMON_ERRORS, errors
from api.schemas import DayRoutesPublic, IsoDate, PlanCreate, PlanJobPublic

router = APIRouter(prefix="/v1", tags=["plans"], responses=errors(*COMMON_ERRORS, 403, 404))


@router.post(
    "/plans",
    operation_id="create_plan",
    status_code=202,
    response_model=PlanJobPublic,
    responses={200: {"description": "a job for this day is already queued or running: that job"}},
)
def create_plan(
    body: PlanCreate, response: Response, service: ServiceDep, operator: OperatorDep, now: NowDep
) -> PlanJobPublic:
    """Start re-optimising the day (done stops stay locked); poll `GET /v1/plans/{id}`. Operators only."""
    job, new = service.plan_jobs.create(operator, body, now)
    if not new:
        response.status_code = 200
    return job


@router.get("/plans/{plan_id}", operation_id="get_plan", response_model=PlanJobPublic)
def get_plan(
    plan_id: Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")],
    service: ServiceDep,
    _operator: OperatorDep,
    now: NowDep,
) -> PlanJobPublic:
    """The job's status and, when done, the routes per courier. Operators only."""
    return service.plan_jobs.get(plan_id, now)


@router.get("/days/{date}/routes", operation_id="get_day_routes", response_model=DayRoutesPublic)
def get_day_routes(date: IsoDate, service: ServiceDep, _operator: OperatorDep) -> DayRoutesPublic:
    """The day's live routes: per courier, the stops in order with `pickup_id` and `service_start`. Operators only."""
    return service.plan_jobs.routes(date)
