"""`create_app(settings)`: the FastAPI application. Heavy resources load in the lifespan, never at import."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI

from api import error_handlers
from api.config import Settings
from api.jobs import run_plan_job
from api.middleware import BodyLimit, Metrics, MetricsMiddleware
from api.routes import assignments, health, pickups, plans, quotes, slots
from api.services import Service
from api.store import Store

log = logging.getLogger("backhaul.api")


def create_app(settings: Settings) -> FastAPI:
    """The service for `settings`: region, matrices and the store are opened when the app starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not settings.tenants_by_key:
            if not settings.dev:
                raise RuntimeError("BACKHAUL_API_KEYS is not set: refusing to serve every caller (use serve --dev)")
            log.warning("development mode: no API keys, every caller is tenant 'dev'")
        store = Store(settings.database_url)
        if settings.migrate:
            store.migrate()
        jobs = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        settings_json = settings.model_dump_json()
        app.state.jobs = jobs
        app.state.service = Service(
            settings, store, run_job=lambda job_id: jobs.submit(run_plan_job, settings_json, job_id)
        )
        background = asyncio.create_task(_replan_in_background(app, settings.background_plan_every_s))
        try:
            yield
        finally:
            background.cancel()
            app.state.jobs.shutdown(wait=False, cancel_futures=True)
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
    for module in (quotes, slots, pickups, plans, assignments, health):
        app.include_router(module.router)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    return app


async def _replan_in_background(app: FastAPI, every_s: float) -> None:
    """Every `every_s`, queue a re-optimisation of each day that changed (one worker wins each day)."""
    if every_s <= 0:
        return
    service: Service = app.state.service
    while True:
        await asyncio.sleep(every_s)
        try:
            queued = await asyncio.to_thread(service.plan_jobs.background, datetime.now(UTC))
        except Exception:  # the loop must outlive a database hiccup
            log.exception("background re-optimisation could not be queued")
            continue
        for job_id in queued:
            service.plan_jobs.start(job_id)


def app_from_environment() -> FastAPI:
    """The app configured from environment variables (`backhaul serve` and uvicorn's factory mode)."""
    return create_app(Settings.from_environment())
