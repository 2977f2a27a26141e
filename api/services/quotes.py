"""Quotes and slot lists: what each way back costs at an address, and who pays it (reads only)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from api import quotes_token
from api.errors import ConflictError, ForbiddenError, NotFoundError
from api.schemas import LatLon, ParcelIn, PayerShare, QuoteCreate, QuoteOption, QuotePublic, SlotPublic, SlotsPublic
from api.services.context import ServiceContext
from optimizer.domain import Location
from optimizer.live import NewPickup
from optimizer.policy import ReturnPolicy, is_quality_problem
from optimizer.quoting import CenterChoice, SlotOffer


class Quotes:
    """Slot lists and quotes; a quote id is signed, never stored, so answering one never waits for a writer."""

    def __init__(self, context: ServiceContext, quote_key: bytes) -> None:
        self.context = context
        self.desk = context.desk
        self._quote_key = quote_key

    def _offers(self, pickup: NewPickup, first: date, days: int, now: datetime) -> list[SlotOffer]:
        plans = {first + timedelta(days=k): self.context.current_plan(first + timedelta(days=k)) for k in range(days)}
        return self.desk.slot_offers(plans, pickup, now)

    def slots(
        self, origin: LatLon, parcels: list[ParcelIn], first: date | None, days: int, now: datetime
    ) -> SlotsPublic:
        """Every slot of the days asked for at the address, with availability, marginal cost and green flag."""
        first = first or self.context.today(now)
        self.context.check_day(first, now, "date_from")
        self.context.check_slot_days(days)
        pickup = self.context.pickup_at(origin, self.context.parcels(parcels))
        return SlotsPublic(slots=[SlotPublic.of(offer, self.desk) for offer in self._offers(pickup, first, days, now)])

    def check_merchant(self, tenant: str, merchant_id: str) -> None:
        """A merchant's key quotes and books only for its own `merchant_id` (403 otherwise)."""
        own = self.context.settings.merchant_of_tenant.get(tenant)
        if own is not None and own != merchant_id:
            raise ForbiddenError(f"this key quotes and books only for merchant {own}")

    def quote(self, tenant: str, body: QuoteCreate, now: datetime) -> QuotePublic:
        """Doorstep pickup (its slots and price) and the nearest drop-off points, each with payer and center.

        The quote id signs what was offered: the return, each bookable slot and drop-off point with its amount.
        """
        context, desk = self.context, self.desk
        self.check_merchant(tenant, body.merchant_id)
        parcels = context.parcels(body.parcels)
        is_quality_problem(body.reason)  # an unknown reason code is a 422 naming `reason`
        first = body.date_from or context.today(now)
        context.check_day(first, now, "date_from")
        context.check_slot_days(body.days)
        rows = desk.located(Location(body.origin.lat, body.origin.lon))
        pickup = desk.pickup(rows, parcels)
        policy = desk.policies.for_merchant(body.merchant_id)
        weight = sum(p.weight_g * p.count for p in parcels)
        options: list[dict[str, Any]] = []
        offers = self._offers(pickup, first, body.days, now)
        slots = [SlotPublic.of(o, self.desk, fee_cents=policy.pickup_fee_cents) for o in offers]
        prices = {slot.slot_id: slot.amount_cents for slot in slots if slot.available and slot.amount_cents is not None}
        choice = desk.center_for(desk.nearest_depot(rows), body.category, weight)
        if prices:
            first_open = next(o for o in offers if o.slot_id in prices)
            leaves = desk.local_time(first_open.day, first_open.window.end_s)
            options.append(
                self._option("pickup", min(prices.values()), policy, body, choice, leaves) | {"slots": slots}
            )
        drop_offs: dict[str, int] = {}
        for point, metres in desk.nearest_drop_offs(rows):
            at_point = desk.center_for(desk.origins.index(point.id), body.category, weight)
            drop_offs[point.id] = policy.drop_off_fee_cents + (at_point.transport_cents if at_point else 0)
            leaves = max(now, desk.local_time(context.today(now), 20 * 3600))
            options.append(
                self._option("drop_off", drop_offs[point.id], policy, body, at_point, leaves)
                | {"point_id": point.id, "distance_m": metres}
            )
        expires = now + timedelta(seconds=context.settings.quote_ttl_s)
        signed = {"request": body.quoted_fields(), "pickup": prices, "drop_off": drop_offs}
        quote_id = quotes_token.sign(self._quote_key, tenant, signed, expires)
        return QuotePublic(quote_id=quote_id, expires_at=expires, options=[QuoteOption(**o) for o in options])

    def _option(
        self,
        method: str,
        amount: int,
        policy: ReturnPolicy,
        body: QuoteCreate,
        choice: CenterChoice | None,
        leaves: datetime,
    ) -> dict[str, Any]:
        payers = self.payers(amount, body.merchant_id, body.reason, body.insured)
        return {
            "method": method,
            "amount_cents": amount,
            "currency": policy.currency,
            "payer": payers[0].payer,
            "payers": payers,
            "center_id": choice.center.id if choice else None,
            "estimated_arrival_at_center": self.desk.arrival_at_center(leaves, choice.haul_m) if choice else None,
        }

    def payers(self, amount: int, merchant_id: str, reason: str, insured: bool) -> list[PayerShare]:
        """Who pays how much of `amount` under the merchant's policy (the largest share first)."""
        shares = self.desk.policies.for_merchant(merchant_id).split(amount, reason=reason, insured=insured)
        return [PayerShare(payer=p.value, amount_cents=a) for p, a in shares]

    def opened(self, tenant: str, quote_id: str, now: datetime) -> dict[str, Any]:
        """What a quote carries: `request`, `pickup` (slot id -> amount), `drop_off` (point id -> amount).

        404 if forged or another tenant's, `409 quote_expired` once expired.
        """
        try:
            return quotes_token.open_quote(self._quote_key, tenant, quote_id, now)
        except quotes_token.InvalidQuoteError:
            raise NotFoundError("no such quote") from None
        except quotes_token.ExpiredQuoteError as expired:
            raise ConflictError(str(expired), code="quote_expired") from None
