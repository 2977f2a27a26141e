"""Plan jobs: re-optimising a day in the background, on request or when the day changed."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from api.errors import NotFoundError
from api.schemas import PlanCreate, PlanJobPublic, PlanRoute
from api.services.context import ServiceContext, utc
from api.store import DayPlanRow, PlanJobRow
from optimizer.errors import ValidationError

SYSTEM_TENANT = "system"
"""Owner of the background re-optimisation jobs."""
STALE_AFTER_S = 300
"""A job still unfinished this long after its time limit was interrupted by a restart."""

JobRunner = Callable[[str], object]
"""Starts the job with this id somewhere else (the server's process pool)."""


class PlanJobs:
    """Queue, start and report re-optimisation jobs of the region's day plans."""

    def __init__(self, context: ServiceContext, run_job: JobRunner | None = None) -> None:
        self.context = context
        self.run_job = run_job

    def _queue(
        self, tenant: str, day: date, time_limit_s: float, now: datetime, job_id: str | None = None
    ) -> PlanJobRow | None:
        """Record a queued job; None if `job_id` exists already (another worker took it)."""
        job = PlanJobRow(
            id=job_id or "pl_" + uuid.uuid4().hex[:20],
            tenant=tenant,
            region=self.context.region,
            day=day,
            time_limit_s=time_limit_s,
            status="queued",
            detail="",
            result=None,
            created_at=now,
            finished_at=None,
        )
        try:
            with self.context.store.write() as session:
                session.add(job)
        except IntegrityError:
            return None
        return job

    def start(self, job_id: str) -> None:
        """Hand a queued job to the job runner."""
        if self.run_job is None:
            raise RuntimeError("this service cannot run plan jobs (no job runner)")
        self.run_job(job_id)

    def create(self, tenant: str, body: PlanCreate, now: datetime) -> PlanJobPublic:
        """Queue a re-optimisation of the day (done stops stay locked) and start it."""
        context = self.context
        if body.region not in (None, context.region):
            raise ValidationError("region", f"this server plans {context.region}, not {body.region}")
        context.check_day(body.date, now, "date")  # a day that can have bookings: not past, inside the horizon
        limit = context.settings.max_plan_time_limit_s
        if body.time_limit_s > limit:
            raise ValidationError("time_limit_s", f"at most {limit:g} s on this server")
        job = self._queue(tenant, body.date, body.time_limit_s, now)
        assert job is not None  # a fresh random id never collides
        self.start(job.id)
        return self._public(job, now)

    def background(self, now: datetime) -> list[str]:
        """Queue one re-optimisation per day (today and tomorrow) that changed since its last one.

        The job id names the day and its version, so however many workers ask, one of them gets it.
        """
        context = self.context
        today = context.today(now)
        with context.store.read() as session:
            days = session.execute(
                select(DayPlanRow.day, DayPlanRow.version).where(
                    DayPlanRow.region == context.region, DayPlanRow.day.in_([today, today + timedelta(days=1)])
                )
            ).all()
        queued = []
        for day, version in days:
            if version == 0:
                continue
            job_id = f"auto-{day.isoformat()}-{version}"
            if self._queue(SYSTEM_TENANT, day, context.settings.background_plan_time_limit_s, now, job_id):
                queued.append(job_id)
        return queued

    def get(self, tenant: str, plan_id: str, now: datetime) -> PlanJobPublic:
        """The job's status and, when done, the routes per courier (404 for another tenant's)."""
        with self.context.store.read() as session:
            job = session.get(PlanJobRow, plan_id)
        if job is None or job.tenant != tenant:
            raise NotFoundError(f"no plan {plan_id}")
        return self._public(job, now)

    @staticmethod
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
