"""What every schema shares: strict bodies, ids, the vocabulary, dates, problems, the return's fields."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from api.errors import CODES
from optimizer.domain.vocabulary import CATEGORIES, REASON_CODES

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


def _iso_datetime(value: Any) -> Any:
    """Times only as ISO 8601 text (pydantic would also read a number as a Unix time)."""
    if not isinstance(value, datetime | str):
        raise ValueError("a date and time as ISO 8601 text with its UTC offset")
    return value


def _in_utc(moment: datetime) -> datetime:
    """A moment UTC can hold (`0001-01-01T00:00:00+01:00` is before year 1 in UTC)."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("a moment between years 1 and 9999 in UTC") from None
    return moment


IsoDatetime = Annotated[AwareDatetime, BeforeValidator(_iso_datetime), AfterValidator(_in_utc)]
"""A moment, written in ISO 8601 with its UTC offset (`2026-11-27T09:30:00+08:00`)."""


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
    delivery_parcels: list[ParcelIn] | None = Field(
        None, min_length=1, max_length=1000, description="an exchange: the replacement item handed over at the pickup"
    )

    def quoted_fields(self) -> dict[str, Any]:
        """The fields a quote id signs and a booking from it uses (JSON-ready)."""
        return self.model_dump(
            mode="json",
            include={"origin", "parcels", "category", "reason", "insured", "merchant_id", "delivery_parcels"},
        )


class PayerShare(Strict):
    """Who pays how much of an option's amount."""

    payer: Literal["merchant", "insurer", "customer"]
    amount_cents: int
