"""Quotes and slot lists: what each way back costs at an address, and who pays it (reads only)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from api import quotes_token
from api.errors import ConflictError, NotFoundError
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

    def quote(self, tenant: str, body: QuoteCreate, now: datetime) -> QuotePublic:
        """Doorstep pickup (its slots and price) and the nearest drop-off points, each with payer and center."""
        context, desk = self.context, self.desk
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
        available = [o for o in offers if o.available]
        choice = desk.center_for(desk.nearest_depot(rows), body.category, weight)
        if available:
            cheapest = min(o.insertion.marginal_cost_cents for o in available if o.insertion)
            amount = policy.pickup_fee_cents + cheapest
            leaves = desk.local_time(available[0].day, available[0].window.end_s)
            options.append(
                self._option("pickup", amount, policy, body, choice, leaves)
                | {"slots": [SlotPublic.of(o, self.desk) for o in offers]}
            )
        for point, metres in desk.nearest_drop_offs(rows):
            at_point = desk.center_for(desk.origins.index(point.id), body.category, weight)
            amount = policy.drop_off_fee_cents + (at_point.transport_cents if at_point else 0)
            leaves = max(now, desk.local_time(context.today(now), 20 * 3600))
            options.append(
                self._option("drop_off", amount, policy, body, at_point, leaves)
                | {"point_id": point.id, "distance_m": metres}
            )
        expires = now + timedelta(seconds=context.settings.quote_ttl_s)
        quote_id = quotes_token.sign(self._quote_key, tenant, body.quoted_fields(), expires)
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
        shares = policy.split(amount, reason=body.reason, insured=body.insured)
        return {
            "method": method,
            "amount_cents": amount,
            "currency": policy.currency,
            "payer": shares[0][0].value,
            "payers": [PayerShare(payer=p.value, amount_cents=a) for p, a in shares],
            "center_id": choice.center.id if choice else None,
            "estimated_arrival_at_center": self.desk.arrival_at_center(leaves, choice.haul_m) if choice else None,
        }

    def opened(self, tenant: str, quote_id: str, now: datetime) -> dict[str, Any]:
        """The return fields a quote carries (404 if forged or another tenant's, 409 once expired)."""
        try:
            return quotes_token.open_quote(self._quote_key, tenant, quote_id, now)
        except quotes_token.InvalidQuoteError:
            raise NotFoundError("no such quote") from None
        except quotes_token.ExpiredQuoteError as expired:
            raise ConflictError(str(expired)) from None
