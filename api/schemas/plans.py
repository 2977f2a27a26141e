"""Plan jobs and day routes (operators)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from api.schemas.common import (
    IsoDate,
    Strict,
)


class PlanCreate(Strict):
    """A re-optimisation request for one day."""

    region: str | None = Field(None, max_length=64)
    date: IsoDate
    time_limit_s: float = Field(10.0, gt=0)


class PlanStop(Strict):
    """A stop of a re-optimised route."""

    pickup_id: str
    service_start: datetime


class PlanRoute(Strict):
    """A courier's stops in order."""

    courier_id: str
    stops: list[PlanStop]


class PlanJobPublic(Strict):
    """A re-optimisation job: its status and, when done, the costs and routes."""

    id: str
    status: Literal["queued", "running", "done", "superseded", "failed"]
    region: str
    date: date
    detail: str
    code: Literal["job_failed", "job_interrupted", "plan_incomplete"] | None = Field(
        None, description="why a failed job failed"
    )
    cost_before_cents: float | None = None
    cost_after_cents: float | None = None
    routes: list[PlanRoute] | None = None


class RouteStop(Strict):
    """A stop of a day's route: the pickup, its slot, when the courier is expected, where, and what it collects."""

    pickup_id: str
    return_id: str | None
    slot_id: str
    service_start: datetime = Field(description="estimated, from the live plan's schedule")
    done: bool = Field(description="reported picked up")
    lat: float
    lon: float
    parcels: list[dict[str, Any]] = Field(description="what to collect: weight_g, volume_cm3, count per line")
    delivery_parcels: list[dict[str, Any]] = Field(description="an exchange's replacement item, to hand over")


class DayRoute(Strict):
    """A courier's route: the metres it drives, depot to depot, and its stops in order."""

    courier_id: str
    distance_m: int
    stops: list[RouteStop]


class DayRoutesPublic(Strict):
    """A day's live routes: per courier, the stops in order."""

    region: str
    date: date
    routes: list[DayRoute]
