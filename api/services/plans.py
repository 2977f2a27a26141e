"""Plan jobs: re-optimising a day in the background, on request or when the day changed."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.errors import NotFoundError, RateLimitedError
from api.schemas import PlanCreate, PlanJobPublic, PlanRoute
from api.services.context import ServiceContext, utc
from api.tables import DayPlanRow, PlanJobRow
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
        job = self._row(tenant, day, time_limit_s, now, job_id)
        try:
            with self.context.store.write() as session:
                session.add(job)
        except IntegrityError:
            return None
        return job

    def _row(self, tenant: str, day: date, time_limit_s: float, now: datetime, job_id: str | None = None) -> PlanJobRow:
        return PlanJobRow(
            id=job_id or "pl_" + uuid.uuid4().hex[:20],
            tenant=tenant,
            region=self.context.region,
            day=day,
            time_limit_s=time_limit_s,
            status="queued",
            detail="",
            code=None,
            result=None,
            created_at=now,
            finished_at=None,
        )

    def start(self, job_id: str) -> None:
        """Hand a queued job to the job runner."""
        if self.run_job is None:
            raise RuntimeError("this service cannot run plan jobs (no job runner)")
        self.run_job(job_id)

    def create(self, tenant: str, body: PlanCreate, now: datetime) -> tuple[PlanJobPublic, bool]:
        """Queue a re-optimisation of the day (done stops stay locked) and start it; whether it is new.

        Bounded, decided under the queue's lock: one job per region-day (a second request gets the
        running one back), at most `max_jobs_per_tenant` per tenant and `max_queued_jobs` in all
        (429 with `Retry-After`).
        """
        context = self.context
        settings = context.settings
        if body.region not in (None, context.region):
            raise ValidationError("region", f"this server plans {context.region}, not {body.region}")
        context.check_day(body.date, now, "date")  # a day that can have bookings: not past, inside the horizon
        if body.time_limit_s > settings.max_plan_time_limit_s:
            raise ValidationError("time_limit_s", f"at most {settings.max_plan_time_limit_s:g} s on this server")
        with context.store.write() as session:
            context.store.lock_queue(session)
            active = [job for job in self._active(session) if not self._stale(job, now)]
            same_day = next((job for job in active if job.day == body.date), None)
            if same_day is not None:
                return self._public(same_day, now), False
            mine = [job for job in active if job.tenant == tenant]
            if len(mine) >= settings.max_jobs_per_tenant or len(active) >= settings.max_queued_jobs:
                which = "this tenant's" if len(mine) >= settings.max_jobs_per_tenant else "this server's"
                raise RateLimitedError(
                    f"{which} plan job queue is full; retry when one ends",
                    retry_after_s=self._retry_after(mine or active, now),
                )
            job = self._row(tenant, body.date, body.time_limit_s, now)
            session.add(job)
        self.start(job.id)
        return self._public(job, now), True

    def _active(self, session: Session) -> list[PlanJobRow]:
        query = select(PlanJobRow).where(
            PlanJobRow.region == self.context.region, PlanJobRow.status.in_(("queued", "running"))
        )
        return list(session.execute(query).scalars())

    @staticmethod
    def _stale(job: PlanJobRow, now: datetime) -> bool:
        return (now - utc(job.created_at)).total_seconds() > job.time_limit_s + STALE_AFTER_S

    @staticmethod
    def _retry_after(jobs: list[PlanJobRow], now: datetime) -> int:
        """Seconds until the first of `jobs` should have ended (its time limit since it was queued)."""
        ends = [utc(job.created_at) + timedelta(seconds=job.time_limit_s) for job in jobs]
        return max(1, math.ceil(min((end - now).total_seconds() for end in ends)))

    def purge(self, now: datetime) -> int:
        """Delete the jobs finished (or interrupted) more than `job_retention_days` ago; how many went."""
        horizon = now - timedelta(days=self.context.settings.job_retention_days)
        with self.context.store.write() as session:
            gone = session.execute(
                delete(PlanJobRow).where(PlanJobRow.region == self.context.region, PlanJobRow.created_at < horizon)
            )
        return int(getattr(gone, "rowcount", 0) or 0)

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

    def get(self, plan_id: str, now: datetime) -> PlanJobPublic:
        """The job's status and, when done, the routes per courier (operators read every job of the region)."""
        with self.context.store.read() as session:
            job = session.get(PlanJobRow, plan_id)
        if job is None or job.region != self.context.region:
            raise NotFoundError(f"no plan {plan_id}")
        return self._public(job, now)

    @classmethod
    def _public(cls, job: PlanJobRow, now: datetime) -> PlanJobPublic:
        status, detail, code = job.status, job.detail, job.code
        if status in {"queued", "running"} and cls._stale(job, now):
            status, detail, code = "failed", "interrupted (the server restarted while it ran)", "job_interrupted"
        result = job.result or {}
        return PlanJobPublic(
            id=job.id,
            status=status,
            region=job.region,
            date=job.day,
            detail=detail,
            code=code,
            cost_before_cents=result.get("cost_before_cents"),
            cost_after_cents=result.get("cost_after_cents"),
            routes=[PlanRoute.model_validate(route) for route in result["routes"]] if "routes" in result else None,
        )
