"""Pickups and drop-offs: registering a return from a quote, rescheduling, and what a client sees of it."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, model_validator

from api.journey import DISPOSITIONS, FAILURE_REASONS, GRADES, Status
from api.schemas.common import (
    Category,
    Id,
    IsoDatetime,
    LatLon,
    ParcelIn,
    PayerShare,
    Reason,
    Strict,
)
from api.schemas.quotes import SlotPublic

EventId = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:\-]+$")]
FailureReason = Literal[FAILURE_REASONS]  # type: ignore[valid-type]
Grade = Literal[GRADES]  # type: ignore[valid-type]
Disposition = Literal[DISPOSITIONS]  # type: ignore[valid-type]
Stage = Literal[
    "requested",
    "pickup_booked",
    "drop_off_registered",
    "picked_up",
    "dropped_off",
    "at_depot",
    "dispatched",
    "received",
    "inspected",
    "refunded",
]


class PickupCreate(Strict):
    """Book from a quote (`quote_id` + `slot_id`) or from a full request (the return's fields + `slot_id`)."""

    slot_id: str = Field(min_length=1, max_length=40)
    quote_id: str | None = Field(None, max_length=4096)
    origin: LatLon | None = None
    parcels: list[ParcelIn] | None = Field(None, min_length=1, max_length=1000)
    category: Category | None = None
    reason: Reason | None = None
    insured: bool = False
    merchant_id: Id | None = None
    delivery_parcels: list[ParcelIn] | None = Field(
        None, min_length=1, max_length=1000, description="an exchange: the replacement item handed over at the pickup"
    )

    @model_validator(mode="after")
    def _quote_or_request(self) -> PickupCreate:
        fields = (self.origin, self.parcels, self.category, self.reason, self.merchant_id)
        if self.quote_id is None and any(value is None for value in fields):
            raise ValueError("give quote_id, or origin, parcels, category, reason and merchant_id")
        if self.quote_id is not None and any(value is not None for value in (*fields, self.delivery_parcels)):
            raise ValueError("give quote_id or the return's fields, not both")
        return self


class DropOffCreate(Strict):
    """A drop-off registration: the quote and the point (one the quote offered)."""

    quote_id: str = Field(min_length=1, max_length=4096)
    point_id: Id


class DropOffPublic(Strict):
    """A registered drop-off return: its price, and where and when it is processed."""

    return_id: str
    point_id: str
    amount_cents: int
    currency: str
    payers: list[PayerShare]
    center_id: str
    processing_date: date
    estimated_arrival_at_center: datetime
    estimated_inspection_at: datetime
    estimated_refund_at: datetime


class PickupUpdate(Strict):
    """A reschedule: the new slot."""

    slot_id: str = Field(min_length=1, max_length=40)


class TimelineEntry(Strict):
    """One stage of a return: when it happened (`estimated` false) or is expected to (`estimated` true)."""

    stage: Stage
    at: datetime
    estimated: bool
    grade: Grade | None = Field(None, description="`inspected`, once it happened: the grade A-D")
    disposition: Disposition | None = Field(None, description="`inspected`, once it happened: what becomes of it")


class PickupPublic(Strict):
    """A pickup with its slot, courier, center and timeline.

    `displaced`: a change of the fleet left no courier able to take it in its slot; the booking needs
    a new slot (reschedule) or a drop-off.
    """

    id: str
    status: Literal["booked", "picked_up", "failed", "cancelled", "displaced"]
    slot_id: str
    slot_start: datetime
    slot_end: datetime
    courier_id: str | None
    center_id: str | None
    return_id: str | None = Field(description="the return this pickup collects")
    processing_date: date | None = Field(description="the day its center processes it (reserved)")
    amount_cents: int | None = Field(description="the price booked (from the quote when booked from one)")
    currency: str | None
    payers: list[PayerShare] | None = Field(description="who pays how much of `amount_cents`")
    delivery_parcels: list[ParcelIn] | None = Field(None, description="an exchange: the replacement item")
    timeline: list[TimelineEntry] = Field(description="the return's stages, as GET /v1/returns/{return_id} has them")


class EventCreate(Strict):
    """Something that happened to a return, reported by a courier's, a drop-off point's or a center's system."""

    event_id: EventId = Field(description="the sender's id of the event: sending it again changes nothing")
    type: Literal["picked_up", "pickup_failed", "dropped_off", "received", "inspected", "refunded"]
    at: IsoDatetime = Field(description="when it happened (with its UTC offset)")
    reason: FailureReason | None = Field(None, description="`pickup_failed` only, and required there")
    grade: Grade | None = Field(None, description="`inspected` only, and required there")
    disposition: Disposition | None = Field(None, description="`inspected` only, and required there")

    @model_validator(mode="after")
    def _details_of_the_type(self) -> EventCreate:
        wanted = {"pickup_failed": {"reason"}, "inspected": {"grade", "disposition"}}.get(self.type, set())
        for name in ("reason", "grade", "disposition"):
            given = getattr(self, name) is not None
            if name in wanted and not given:
                raise ValueError(f"a {self.type} event needs {name}")
            if given and name not in wanted:
                raise ValueError(f"{name} belongs to {'a pickup_failed' if name == 'reason' else 'an inspected'} event")
        return self


class EventPublic(Strict):
    """An event in a return's log, as stored."""

    event_id: str
    type: str
    at: datetime
    reason: FailureReason | None = None
    grade: Grade | None = None
    disposition: Disposition | None = None
    slot_id: str | None = Field(None, description="`rebooked`: the new slot")


class ReturnPublic(Strict):
    """A return's journey: where it is, what happened (actual) and what is expected (estimated)."""

    return_id: str
    method: Literal["pickup", "drop_off"]
    status: Status
    merchant_id: str
    pickup_id: str | None
    point_id: str | None
    center_id: str | None
    processing_date: date | None
    failed_attempts: int
    timeline: list[TimelineEntry]
    events: list[EventPublic] = Field(description="every event in the order it was stored")


class DropOffNearby(Strict):
    """A drop-off point near the return's address, by road."""

    point_id: str
    distance_m: int


class NextSteps(Strict):
    """After a failed pickup: what can be booked instead."""

    rebook_options: list[SlotPublic] | None = Field(
        None,
        description="after `pickup_failed`: the next slots that can take the pickup, priced like any slot "
        "(rebook one with PATCH /v1/pickups/{pickup_id}); empty once no attempt is left",
    )
    drop_off_only: bool = Field(False, description="no doorstep attempt is left: only a drop-off remains")
    drop_off_points: list[DropOffNearby] | None = Field(
        None, description="with `drop_off_only`: the nearest drop-off points, where the shopper may leave it"
    )


class EventAccepted(NextSteps):
    """The return after an event, and for a failed pickup what can be booked instead."""

    event_id: str
    return_id: str
    status: Status


class ReturnSummary(Strict):
    """A return in a list (its timeline is at `GET /v1/returns/{return_id}`)."""

    return_id: str
    method: Literal["pickup", "drop_off"]
    status: Status
    merchant_id: str
    pickup_id: str | None
    date: dt.date = Field(description="the pickup's day, or the date the drop-off was registered")
    created_at: datetime
    updated_at: datetime


class ReturnsPage(Strict):
    """One page of returns, oldest first; `next_cursor` fetches the next (null on the last page)."""

    items: list[ReturnSummary]
    next_cursor: str | None
