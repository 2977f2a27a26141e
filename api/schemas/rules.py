"""Merchant return rules (a saved rule file and its version) and the per-item answer of a quote."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from api.schemas.common import Category, Id, IsoDatetime, Strict
from optimizer.rules.ruleset import FLAGS

Flag = Literal[FLAGS]  # type: ignore[valid-type]


class RulesPublic(Strict):
    """A merchant's newest saved rule file (version 0 and an empty file: the defaults apply)."""

    merchant_id: str
    version: int
    text: str = Field(description="the rule file as saved (TOML; docs/api.md, 'Return rules')")
    saved_by: str | None
    saved_at: datetime | None


class ItemIn(Strict):
    """One item of the order that comes back."""

    category: Category
    value_cents: int = Field(ge=0, le=10**10, strict=True)
    flags: list[Flag] = Field(default_factory=list, max_length=len(FLAGS))


class OrderIn(Strict):
    """The order the return belongs to: when it was delivered and what is returned."""

    delivered_at: IsoDatetime
    items: list[ItemIn] = Field(min_length=1, max_length=100)


class DecidedBy(Strict):
    """The rule that decided an item's eligibility."""

    rule_id: str
    text: str
    statutory: bool = Field(description="the statute decided (七天无理由退货 or one of its exclusions)")


class KeepItPublic(Strict):
    """Refund without return: offered when bringing the item back costs more than it recovers."""

    offered: bool
    refund_cents: int
    expected_recovery_cents: int
    processing_cents: int
    return_cost_cents: int = Field(description="the cheapest way back and its line haul, for the whole return")


class ItemRuling(Strict):
    """One item: may it come back, under which rule, what to show for it, and keep-it."""

    category: str
    eligible: bool
    decided_by: DecidedBy
    condition: str = Field(description="the condition the item must be in (complete, unused, unused_with_tags)")
    evidence_required: list[str]
    keep_it: KeepItPublic | None = Field(None, description="null for an item that may not come back")


class ShopperIn(Strict):
    """Who is returning: the platform's account and address keys (screening links accounts by address)."""

    account_id: Id
    address_id: Id


class SignalPublic(Strict):
    """One named reason for a risk score."""

    name: str
    observed: float
    strength: float = Field(description="0 (ordinary) to 1 (fully abnormal)")
    text: str


class ScreeningPublic(Strict):
    """Abuse screening of the shopper: a score, its signals, and the action the merchant's thresholds take."""

    score: float = Field(ge=0, le=1)
    action: Literal["allow", "inspect_at_door", "route_to_inspection_center", "manual_review"]
    signals: list[SignalPublic]


class OrderLineIn(Strict):
    """One delivered item."""

    category: Category
    value_cents: int = Field(ge=0, le=10**10, strict=True)


class DeliveredOrder(Strict):
    """An order the platform delivered (its lines are what screening counts returns against)."""

    order_id: Id
    account_id: Id
    address_id: Id
    delivered_at: IsoDatetime
    items: list[OrderLineIn] = Field(min_length=1, max_length=100)


class OrdersReport(Strict):
    """Delivered orders, up to 500 per call; an order already reported is skipped."""

    orders: list[DeliveredOrder] = Field(min_length=1, max_length=500)


class OrdersStored(Strict):
    """How many order lines were new, and how many were known already."""

    stored: int
    already_known: int
