"""`/v1/plans`: re-optimise a day's bookings in the background."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request

from api.deps import NowDep, ServiceDep, TenantDep
from api.errors import NotFoundError
from api.jobs import run_plan_job
from api.schemas import PlanCreate, PlanJobPublic, PlanRoute
from api.service import utc
from api.store import PlanJobRow
from optimizer.errors import ValidationError

router = APIRouter(prefix="/v1", tags=["plans"])
STALE_AFTER_S = 300


@router.post("/plans", operation_id="create_plan", status_code=202, response_model=PlanJobPublic)
def create_plan(
    body: PlanCreate, request: Request, service: ServiceDep, tenant: TenantDep, now: NowDep
) -> PlanJobPublic:
    """Start re-optimising the day (done stops stay locked); poll `GET /v1/plans/{id}`."""
    if body.region not in (None, service.region):
        raise ValidationError("region", f"this server plans {service.region}, not {body.region}")
    limit = service.settings.max_plan_time_limit_s
    if body.time_limit_s > limit:
        raise ValidationError("time_limit_s", f"at most {limit:g} s on this server")
    job = service.queue_plan(tenant, body.date, body.time_limit_s, now)
    assert job is not None  # a fresh random id never collides
    request.app.state.jobs.submit(run_plan_job, service.settings.model_dump_json(), job.id)
    return _public(job, now)


@router.get("/plans/{plan_id}", operation_id="get_plan", response_model=PlanJobPublic)
def get_plan(
    plan_id: Annotated[str, Path(min_length=1, max_length=40)], service: ServiceDep, tenant: TenantDep, now: NowDep
) -> PlanJobPublic:
    """The job's status and, when done, the routes per courier."""
    with service.store.read() as session:
        job = session.get(PlanJobRow, plan_id)
    if job is None or job.tenant != tenant:
        raise NotFoundError(f"no plan {plan_id}")
    return _public(job, now)


def _public(job: PlanJobRow, now: datetime) -> PlanJobPublic:
    status, detail = job.status, job.detail
    unfinished = status in {"queued", "running"}
    if unfinished and (now - utc(job.created_at)).total_seconds() > job.time_limit_s + STALE_AFTER_S:
        status, detail = "failed", "interrupted (the server restarted while it ran)"
    result = job.result or {}
    return PlanJobPublic(
        id=job.id,
        status=status,
        region=job.region,
        date=job.day,
        detail=detail,
        cost_before_cents=result.get("cost_before_cents"),
        cost_after_cents=result.get("cost_after_cents"),
        routes=[PlanRoute.model_validate(route) for route in result["routes"]] if "routes" in result else None,
    )
