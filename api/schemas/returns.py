"""Pickups and drop-offs: registering a return from a quote, rescheduling, and what a client sees of it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field, model_validator

from api.schemas.common import (
    Category,
    Id,
    LatLon,
    ParcelIn,
    PayerShare,
    Reason,
    Strict,
)


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

    @model_validator(mode="after")
    def _quote_or_request(self) -> PickupCreate:
        fields = (self.origin, self.parcels, self.category, self.reason, self.merchant_id)
        if self.quote_id is None and any(value is None for value in fields):
            raise ValueError("give quote_id, or origin, parcels, category, reason and merchant_id")
        if self.quote_id is not None and any(value is not None for value in fields):
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


class TimelineEvent(Strict):
    """One stage of a pickup, with whether its time is an estimate."""

    event: Literal["booked", "courier_assigned", "picked_up", "at_center", "cancelled", "displaced"]
    at: datetime
    estimated: bool


class PickupPublic(Strict):
    """A pickup with its slot, courier, center and timeline.

    `displaced`: a change of the fleet left no courier able to take it in its slot; the booking needs
    a new slot (reschedule) or a drop-off.
    """

    id: str
    status: Literal["booked", "cancelled", "displaced"]
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
    timeline: list[TimelineEvent]
