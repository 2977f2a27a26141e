"""Request and response schemas: the service's public contract.

Request and response schemas (pydantic): the service's public contract, converted to and from the
domain at the edge. Every bound here is also a guard: nothing a client sends can ask for unbounded work.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from api.errors import CODES
from optimizer.assignment import AssignmentProblem, AssignmentResult
from optimizer.domain.vocabulary import CATEGORIES, REASON_CODES
from optimizer.quoting import ReturnsDesk, SlotOffer

Id = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:\-]+$")]


class Strict(BaseModel):
    """A request or response body that refuses unknown fields."""

    model_config = ConfigDict(extra="forbid")


Category = Literal[CATEGORIES]  # type: ignore[valid-type]
"""A product category (an enum in the OpenAPI, so a client knows the vocabulary)."""
Reason = Literal[REASON_CODES]  # type: ignore[valid-type]
"""A return reason code: `quality`, `not_quality`, or a finer code that implies one of them."""
ErrorCode = Literal[CODES]  # type: ignore[valid-type]


def _iso_date(value: Any) -> Any:
    """Dates only as `YYYY-MM-DD` (pydantic would also read `0` as a Unix time)."""
    if not isinstance(value, date) and not (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
        raise ValueError("a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
"""A calendar date, written `YYYY-MM-DD`."""


class FieldProblem(Strict):
    """One field a request got wrong: where (`loc`, as FastAPI spells it) and why."""

    loc: list[str | int]
    msg: str
    type: str


class Problem(Strict):
    """An error, as RFC 9457 `application/problem+json` with a stable `code` to branch on."""

    type: str = Field(description="`urn:backhaul:problem:<code>`")
    title: str
    status: int
    detail: str
    code: ErrorCode
    instance: str | None = Field(None, description="the request path")
    errors: list[FieldProblem] | None = Field(None, description="with `validation_error`: each field and why")


class LatLon(Strict):
    """A point in WGS84 degrees."""

    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)


class ParcelIn(Strict):
    """`count` identical parcels of one weight and volume."""

    weight_g: int = Field(ge=1, le=1_000_000)
    volume_cm3: int = Field(ge=1, le=10_000_000)
    count: int = Field(1, ge=1, le=100)


class ReturnFields(Strict):
    """What a return is: where it starts, what it holds, why it comes back, who sold it."""

    origin: LatLon
    parcels: list[ParcelIn] = Field(min_length=1, max_length=1000)
    category: Category
    reason: Reason
    insured: bool = False
    merchant_id: Id
    order_value_cents: int | None = Field(None, ge=0, le=10**12)

    def quoted_fields(self) -> dict[str, Any]:
        """The fields a quote id signs and a booking from it uses (JSON-ready)."""
        return self.model_dump(
            mode="json", include={"origin", "parcels", "category", "reason", "insured", "merchant_id"}
        )


class QuoteCreate(ReturnFields):
    """A quote request: the return, and the days whose slots to offer."""

    date_from: IsoDate | None = Field(None, description="first day of pickup slots offered (default: today)")
    days: int = Field(2, ge=1, le=31, description="how many days of slots to offer")


class PayerShare(Strict):
    """Who pays how much of an option's amount."""

    payer: Literal["merchant", "insurer", "customer"]
    amount_cents: int


class SlotPublic(Strict):
    """One pickup slot at the address: can it be booked, what it adds to the routes, is it green."""

    slot_id: str
    start: datetime
    end: datetime
    available: bool
    marginal_cost_cents: int | None = Field(
        description="what the pickup adds to the couriers' routes; null if none can"
    )
    green: bool = Field(description="a courier already passes nearby: the pickup adds little driving")
    amount_cents: int | None = Field(
        None, description="in a quote: what booking this slot costs (the pickup fee and the marginal cost)"
    )

    @classmethod
    def of(cls, offer: SlotOffer, desk: ReturnsDesk, fee_cents: int | None = None) -> SlotPublic:
        """A slot offer as the API shows it (the cost only while it can be booked; with a fee, its amount)."""
        insertion = offer.insertion
        marginal = insertion.marginal_cost_cents if insertion and offer.open else None
        return cls(
            slot_id=offer.slot_id,
            start=desk.local_time(offer.day, offer.window.start_s),
            end=desk.local_time(offer.day, offer.window.end_s),
            available=offer.available,
            marginal_cost_cents=marginal,
            green=desk.is_green(offer),
            amount_cents=fee_cents + marginal if fee_cents is not None and marginal is not None else None,
        )


class QuoteOption(Strict):
    """One way back (doorstep pickup or a drop-off point) with its price, payers and center."""

    method: Literal["pickup", "drop_off"]
    amount_cents: int
    currency: str
    payer: Literal["merchant", "insurer", "customer"]
    payers: list[PayerShare]
    center_id: str | None
    processing_date: date | None = Field(None, description="the day the center processes it (its queue included)")
    estimated_arrival_at_center: datetime | None = None
    estimated_inspection_at: datetime | None = None
    estimated_refund_at: datetime | None = None
    slots: list[SlotPublic] | None = None
    point_id: str | None = None
    distance_m: int | None = None


class QuotePublic(Strict):
    """The options for a return, and the signed quote id that books one of them."""

    quote_id: str
    expires_at: datetime
    options: list[QuoteOption]


class SlotsPublic(Strict):
    """The slots of the days asked for."""

    slots: list[SlotPublic]


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


class DayRoutesPublic(Strict):
    """A day's live routes: per courier, the stops in order."""

    region: str
    date: date
    routes: list[PlanRoute]


class ReassignmentPublic(Strict):
    """A re-assignment of the returns not yet dispatched: how many could move, moved, and the cost."""

    considered: int
    moved: int
    cost_before_cents: int
    cost_after_cents: int


class AssignmentReturn(Strict):
    """A return to place: at a site (`origin`) or at an address with its method."""

    id: Id
    category: Category
    weight_g: int = Field(ge=1, le=1_000_000)
    origin: str | None = Field(None, max_length=64, description="a depot or drop-off point id")
    location: LatLon | None = None
    method: Literal["pickup", "drop_off"] | None = None


class AssignmentCreate(Strict):
    """A batch of returns to assign to processing centers."""

    returns: list[AssignmentReturn] = Field(min_length=1)
    unplaced_penalty_cents: int = Field(20_000, ge=1, le=10**8)


class AssignedReturn(Strict):
    """Where one return waits and the center it goes to (none when unplaced)."""

    id: str
    origin_id: str
    center_id: str | None


class UnassignedReturn(Strict):
    """A return left without a center, and why."""

    id: str
    reason: str
    detail: str


class CenterUsePublic(Strict):
    """A center's capacity, use and shadow price in this assignment."""

    id: str
    capacity: int
    used: int
    shadow_price_cents: int


class AssignmentPublic(Strict):
    """The optimal assignment, its cost beside the nearest-center rule's, and the centers' use."""

    total_cost_cents: int
    baseline_cost_cents: int
    optimal: bool
    assignments: list[AssignedReturn]
    unassigned: list[UnassignedReturn]
    centers: list[CenterUsePublic]

    @classmethod
    def of(cls, problem: AssignmentProblem, optimal: AssignmentResult, baseline: AssignmentResult) -> AssignmentPublic:
        """The optimal assignment of `problem` with the nearest-center rule's cost beside it."""
        ids, centers = problem.returns.ids, problem.centers
        return cls(
            total_cost_cents=optimal.cost.total_cents,
            baseline_cost_cents=baseline.cost.total_cents,
            optimal=optimal.optimal,
            assignments=[
                AssignedReturn(
                    id=ids[i],
                    origin_id=problem.origin_ids[int(problem.returns.origin[i])],
                    center_id=centers[c].id if c >= 0 else None,
                )
                for i, c in enumerate(optimal.center_of.tolist())
            ],
            unassigned=[
                UnassignedReturn(id=ids[int(i)], reason=group.reason.value, detail=group.detail)
                for group in optimal.unplaced
                for i in group.indices
            ],
            centers=[
                CenterUsePublic(id=u.id, capacity=u.capacity, used=u.used, shadow_price_cents=u.shadow_price_cents or 0)
                for u in optimal.centers
            ],
        )
