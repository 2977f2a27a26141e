"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import os

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

from api.deps import OperatorDep
from api.error_handlers import errors
from api.errors import UnavailableError

router = APIRouter(tags=["operations"])


@router.get("/healthz", operation_id="health")
async def health() -> dict[str, str]:
    """The process answers: its event loop is free (answered on it, not on a thread)."""
    return {"status": "ok"}


@router.get("/readyz", operation_id="ready", responses=errors(503))
def ready(request: Request) -> dict[str, str]:
    """The region is loaded, the database answers and plan jobs can run; else 503 saying which is not."""
    problem = request.app.state.service.ready()
    if problem is not None:
        raise UnavailableError(problem, retry_after_s=5)
    return {"status": "ready", "region": request.app.state.service.region}


@router.get(
    "/metrics",
    operation_id="metrics",
    response_class=Response,
    responses=errors(401, 403, 405, 500) | {200: {"content": {CONTENT_TYPE_LATEST: {}}}},
)
def metrics(request: Request, _operator: OperatorDep) -> Response:
    """Request counts and latencies of every worker of this server (Prometheus text format). Operators only.

    Under `backhaul serve` the workers share a Prometheus multiprocess directory and this adds them
    up; an app on its own reports its own registry.
    """
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
