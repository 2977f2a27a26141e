"""`/v1/plans`, `/v1/days/{date}/routes` and `/map`: operators re-optimise a day, read and draw its routes."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from api.deps import NowDep, OperatorDep, ServiceDep
from api.error_handlers import COMMON_ERRORS, errors
from api.schemas import DayRoutesPublic, IsoDate, PlanCreate, PlanJobPublic
from optimizer.errors import ValidationError

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
    response.headers["Location"] = f"/v1/plans/{job.id}"
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


@router.get(
    "/days/{date}/routes",
    operation_id="get_day_routes",
    response_model=DayRoutesPublic,
    responses={
        200: {
            "content": {
                "application/geo+json": {"schema": {"type": "object", "description": "a GeoJSON FeatureCollection"}},
                "text/csv": {"schema": {"type": "string", "description": "one courier's run sheet"}},
            }
        },
        **errors(422),
    },
)
def get_day_routes(
    date: IsoDate,
    service: ServiceDep,
    _operator: OperatorDep,
    format: Annotated[Literal["json", "geojson", "csv"], Query(description="csv needs courier_id")] = "json",
    courier_id: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
) -> Response | DayRoutesPublic:
    """The day's live routes (operators): per courier, the stops in order with slot, estimated time and parcels.

    `?format=geojson`: a FeatureCollection (a Point per depot and stop, a LineString per leg along the
    roads); `?format=csv&courier_id=...`: that courier's run sheet.
    """
    if format == "geojson":
        body = json.dumps(service.day_routes.geojson(date))
        return Response(body, media_type="application/geo+json")
    if format == "csv":
        if courier_id is None:
            raise ValidationError("courier_id", "a run sheet is one courier's: give courier_id")
        sheet = service.day_routes.run_sheet(date, courier_id)
        disposition = f'attachment; filename="{date.isoformat()}-{courier_id}.csv"'
        return Response(sheet, media_type="text/csv", headers={"Content-Disposition": disposition})
    return service.day_routes.view(date)


@router.get(
    "/days/{date}/map",
    operation_id="get_day_map",
    response_class=Response,
    responses={
        200: {
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "description": "the map document: title, roads, sites, plans (routes as GeoJSON), centers",
                    }
                }
            }
        },
        **errors(422),
    },
)
def get_day_map(date: IsoDate, service: ServiceDep, _operator: OperatorDep) -> Response:
    """What the planners' page (`/planner`) draws. Operators only.

    The region's roads, the day's live routes along them, the depots, centers and drop-off points,
    and each center's returns to process that day against its capacity.
    """
    return Response(json.dumps(service.day_routes.map(date), separators=(",", ":")), media_type="application/json")
