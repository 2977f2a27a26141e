"""Quotes and slots: what a shopper is offered, with amounts, payers, centers and estimates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from api.schemas.common import (
    IsoDate,
    PayerShare,
    ReturnFields,
    Strict,
)
from api.schemas.rules import ItemRuling, OrderIn, ScreeningPublic, ShopperIn
from optimizer.quoting import ReturnsDesk, SlotOffer


class QuoteCreate(ReturnFields):
    """A quote request: the return, and the days whose slots to offer."""

    order: OrderIn | None = Field(
        None,
        description="the order: delivery time and items; the answer then rules on each item (and keep-it)",
    )
    shopper: ShopperIn | None = Field(
        None, description="who returns (account and address keys): the answer then screens the shopper for abuse"
    )
    date_from: IsoDate | None = Field(None, description="first day of pickup slots offered (default: today)")
    days: int = Field(2, ge=1, le=31, description="how many days of slots to offer")


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
    insurance_payout_cents: int | None = Field(
        None, description="what shipping insurance (运费险) pays the shopper for this way (a flat sum may exceed it)"
    )


class QuotePublic(Strict):
    """The options for a return, and the signed quote id that books one of them."""

    quote_id: str
    expires_at: datetime
    rules_version: int = Field(description="the merchant's rules version the quote applies (0: the defaults)")
    options: list[QuoteOption] = Field(description="empty when no item of the order may come back")
    items: list[ItemRuling] | None = Field(None, description="with an order: each item's ruling, in order")
    screening: ScreeningPublic | None = Field(
        None, description="with a shopper: the risk score, its signals and the action (a flag never refuses)"
    )


class SlotsPublic(Strict):
    """The slots of the days asked for."""

    slots: list[SlotPublic]
