"""`create_app(settings)`: the FastAPI application. Heavy resources load in the lifespan, never at import."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import anyio.to_thread
from fastapi import FastAPI

from api import error_handlers
from api.config import Settings
from api.cpu_gate import CpuGate
from api.job_pool import JobPool
from api.logs import RequestContext
from api.middleware import Admission, BodyLimit, Metrics, MetricsMiddleware
from api.routes import (
    assignments,
    dropoffs,
    health,
    merchants,
    pickups,
    planner,
    plans,
    quotes,
    returns,
    shoppers,
    slots,
)
from api.services import Service
from api.store import Store

log = logging.getLogger("backhaul.api")
GATED = frozenset({"/v1/quotes", "/v1/pickup-slots"})
"""The CPU-bound reads computed on the worker's gate, refused early by `Admission` when it is full."""
HOUSEKEEPING_EVERY_S = 600.0
NIGHTLY_REASSIGNMENT_HOUR = 2
"""From 02:00 local time, once a day, each worker re-assigns the returns not yet dispatched (a second finds none)."""


def create_app(settings: Settings) -> FastAPI:
    """The service for `settings`: region, matrices and the store are opened when the app starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not settings.tenants_by_key:
            if not settings.dev:
                raise RuntimeError("BACKHAUL_API_KEYS is not set: refusing to serve every caller (use serve --dev)")
            log.warning("development mode: no API keys, every caller is tenant 'dev'")
        store = Store.of(settings)
        if settings.migrate:
            store.migrate()
        jobs = JobPool(settings.model_dump_json())
        app.state.service = Service(settings, store, run_job=jobs, job_problem=jobs.problem)
        app.state.gate = CpuGate(settings.pricing_threads, settings.max_in_flight)
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        background = asyncio.create_task(_replan_in_background(app, settings.background_plan_every_s))
        webhooks = asyncio.create_task(_deliver_webhooks(app, settings.webhook_every_s))
        try:
            yield
        finally:
            background.cancel()
            webhooks.cancel()
            jobs.shutdown()
            store.dispose()

    app = FastAPI(
        title="Backhaul",
        version="1.0.0",
        summary="Returns logistics: quotes, pickup slots priced by route insertion, bookings, day plans.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.metrics = Metrics()
    error_handlers.install(app)
    error_handlers.document(app)
    for module in (quotes, slots, pickups, dropoffs, returns, merchants, shoppers, plans, planner, assignments, health):
        app.include_router(module.router)
    app.add_middleware(Admission, paths=GATED)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContext)  # outermost: every line, refusals included, has its request id
    return app


async def _replan_in_background(app: FastAPI, every_s: float) -> None:
    """Re-optimise changed days every `every_s` (0: never); purge old rows; re-assign returns nightly.

    One worker wins each (day, version) re-optimisation; purging is idempotent, so any worker may do it.
    """
    service: Service = app.state.service
    last_housekeeping, last_nightly = 0.0, None
    tick = min(every_s, HOUSEKEEPING_EVERY_S) if every_s > 0 else HOUSEKEEPING_EVERY_S
    while True:
        await asyncio.sleep(tick)
        try:
            now = datetime.now(UTC)
            if now.timestamp() - last_housekeeping >= HOUSEKEEPING_EVERY_S:
                await asyncio.to_thread(service.housekeeping, now)
                last_housekeeping = now.timestamp()
            local = now.astimezone(service.desk.zone)
            if local.hour >= NIGHTLY_REASSIGNMENT_HOUR and last_nightly != local.date():
                await asyncio.to_thread(service.centers.reassign, now)
                last_nightly = local.date()
            if every_s > 0:
                for job_id in await asyncio.to_thread(service.plan_jobs.background, now):
                    await asyncio.to_thread(service.plan_jobs.start, job_id)
        except Exception:  # the loop must outlive a database hiccup
            log.exception("background re-optimisation or housekeeping failed")


async def _deliver_webhooks(app: FastAPI, every_s: float) -> None:
    """Deliver the due webhook notifications every `every_s` (0: never; another server delivers them)."""
    if every_s <= 0 or not app.state.settings.webhook_endpoints:
        return
    service: Service = app.state.service
    while True:
        await asyncio.sleep(every_s)
        try:
            await asyncio.to_thread(service.webhooks.deliver_due, datetime.now(UTC))
        except Exception:  # the loop must outlive a database hiccup
            log.exception("webhook delivery failed")


def app_from_environment() -> FastAPI:
    """The app configured from environment variables (`backhaul serve` and uvicorn's factory mode)."""
    return create_app(Settings.from_environment())
