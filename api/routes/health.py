"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

router = APIRouter(tags=["operations"])


@router.get("/healthz", operation_id="health")
def health() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@router.get("/readyz", operation_id="ready", responses={503: {"description": "not ready"}})
def ready(request: Request, response: Response) -> dict[str, str]:
    """The region is loaded and the database answers."""
    problem = request.app.state.service.ready()
    if problem is not None:
        response.status_code = 503
        return {"status": "database unavailable", "detail": problem}
    return {"status": "ready", "region": request.app.state.service.region}


@router.get("/metrics", operation_id="metrics", response_class=Response)
def metrics(request: Request) -> Response:
    """Request counts and latencies of this worker (Prometheus text format)."""
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
