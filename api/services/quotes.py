"""Quotes and slot lists: what each way back costs at an address, and who pays it (reads only)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api import quotes_token
from api.errors import ConflictError, ForbiddenError, NotFoundError
from api.schemas import LatLon, ParcelIn, PayerShare, QuoteCreate, QuoteOption, QuotePublic, SlotPublic, SlotsPublic
from api.services.centers import CenterReservations
from api.services.context import ServiceContext
from api.services.merchant_rules import MerchantRules
from api.services.rulings import domain_items, item_rulings
from api.services.shoppers import Shoppers
from api.tables import QuoteUseRow
from optimizer.assignment.center_days import CenterDayOption
from optimizer.domain import Location
from optimizer.live import DayPlan, NewPickup
from optimizer.quoting import SlotOffer
from optimizer.rules import RuleSet, decide_all, is_quality_problem

DROP_OFF_COLLECTED_AT_S = 20 * 3600
"""Drop-off points are collected at 20:00 local time: a return left there travels that night."""


class Quotes:
    """Slot lists and quotes; a quote id is signed, never stored, so answering one never waits for a writer."""

    def __init__(
        self,
        context: ServiceContext,
        quote_key: bytes,
        centers: CenterReservations,
        rules: MerchantRules,
        shoppers: Shoppers,
    ) -> None:
        self.context = context
        self.desk = context.desk
        self.centers = centers
        self.rules = rules
        self.shoppers = shoppers
        self._quote_key = quote_key

    def offers(
        self, pickup: NewPickup, first: date, days: int, now: datetime, held: Mapping[date, DayPlan] | None = None
    ) -> list[SlotOffer]:
        """Every slot of `days` days from `first` at the pickup's address, priced on the committed plans.

        `held` gives the plans of some days as the caller holds them (locked, and changed).
        """
        dates = [first + timedelta(days=k) for k in range(days)]
        held = held or {}
        committed = self.context.current_plans([d for d in dates if d not in held])
        plans = {d: held[d] if d in held else committed[d] for d in dates}
        return self.desk.slot_offers(plans, pickup, now)

    def slots(
        self, origin: LatLon, parcels: list[ParcelIn], first: date | None, days: int, now: datetime
    ) -> SlotsPublic:
        """Every slot of the days asked for at the address, with availability, marginal cost and green flag."""
        first = first or self.context.today(now)
        self.context.check_day(first, now, "date_from")
        self.context.check_slot_days(days)
        pickup = self.context.pickup_at(origin, self.context.parcels(parcels))
        return SlotsPublic(slots=[SlotPublic.of(offer, self.desk) for offer in self.offers(pickup, first, days, now)])

    def check_merchant(self, tenant: str, merchant_id: str) -> None:
        """A merchant's key quotes and books only for its own `merchant_id` (403 otherwise)."""
        own = self.context.settings.merchant_of_tenant.get(tenant)
        if own is not None and own != merchant_id:
            raise ForbiddenError(f"this key quotes and books only for merchant {own}")

    def quote(self, tenant: str, body: QuoteCreate, now: datetime) -> QuotePublic:
        """Doorstep pickup (its slots and price) and the nearest drop-off points, each with payer and center.

        An exchange (`delivery_parcels`) is priced as the pickup that also carries the replacement
        from the depot: only couriers with room for both loads at every point of their route can take
        it. Its replacement is handed over at the door, so no drop-off point is offered.

        The quote id signs what was offered: the return, each bookable slot and drop-off point with its amount.
        """
        context, desk = self.context, self.desk
        self.check_merchant(tenant, body.merchant_id)
        parcels = context.parcels(body.parcels)
        is_quality_problem(body.reason)  # an unknown reason code is a 422 naming `reason`
        first = body.date_from or context.today(now)
        context.check_day(first, now, "date_from")
        context.check_slot_days(body.days)
        rules = self.rules.rules_for(body.merchant_id)
        items = domain_items(body.order.items) if body.order else []
        rulings = decide_all(rules, items, body.reason, body.order.delivered_at, now) if body.order else []
        risk = self.shoppers.screen(tenant, body.shopper, rules, now) if body.shopper else None
        address = desk.located(Location(body.origin.lat, body.origin.lon))
        deliveries = context.parcels(body.delivery_parcels or [], "delivery_parcels")
        pickup = desk.pickup(address, parcels, delivery_parcels=deliveries)
        policy = desk.policies.for_merchant(body.merchant_id)
        weight = sum(p.weight_g * p.count for p in parcels)
        options: list[dict[str, Any]] = []
        ways: list[tuple[int, CenterDayOption]] = []
        returnable = not rulings or any(r.eligible for r in rulings)
        offers = self.offers(pickup, first, body.days, now) if returnable else []
        slots = [SlotPublic.of(o, self.desk, fee_cents=policy.pickup_fee_cents) for o in offers]
        prices = {slot.slot_id: slot.amount_cents for slot in slots if slot.available and slot.amount_cents is not None}
        first_open = next((o for o in offers if o.slot_id in prices), None)
        depot, points = desk.nearby(address) if returnable else (0, [])
        points = [] if deliveries else points  # an exchange is handed over at the door
        today = context.today(now)
        origins = [(desk.origins.index(point.id), today) for point, _ in points]
        if first_open is not None:
            origins.insert(0, (depot, first_open.day))
        places = iter(self.centers.estimate(origins, body.category, weight))  # one read of the counts
        if first_open is not None:
            leaves = desk.local_time(first_open.day, first_open.window.end_s)
            place, amount = next(places), min(prices.values())
            options.append(
                self._option("pickup", amount, rules, policy.currency, body, place.haul_m if place else 0)
                | self.centers.option_estimates(place, leaves)
                | {"slots": slots}
            )
            ways += [(amount + place.transport_cents, place)] if place else []
        drop_offs: dict[str, int] = {}
        for (point, metres), at_point in zip(points, places, strict=True):
            drop_offs[point.id] = policy.drop_off_fee_cents + (at_point.transport_cents if at_point else 0)
            leaves = max(now, desk.local_time(today, DROP_OFF_COLLECTED_AT_S))
            options.append(
                self._option(
                    "drop_off", drop_offs[point.id], rules, policy.currency, body, at_point.haul_m if at_point else 0
                )
                | self.centers.option_estimates(at_point, leaves)
                | {"point_id": point.id, "distance_m": metres}
            )
            ways += [(drop_offs[point.id], at_point)] if at_point else []
        way_back = min(ways, key=lambda way: way[0], default=None)
        clear = risk is None or risk.action == "allow"
        answers = item_rulings(rules, items, rulings, body.reason, body.category, way_back, screened_clear=clear)
        expires = now + timedelta(seconds=context.settings.quote_ttl_s)
        signed = {"request": body.quoted_fields(), "pickup": prices, "drop_off": drop_offs, "rules": rules.version}
        if body.shopper and body.order and risk is not None:  # what a registration from it records
            signed["screening"] = {
                "account_id": body.shopper.account_id,
                "address_id": body.shopper.address_id,
                "action": risk.action,
                "reason": body.reason,
                "delivered_at": body.order.delivered_at.isoformat(),
                "items": [[i.category, i.value_cents] for i, r in zip(items, rulings, strict=True) if r.eligible],
            }
        quote_id = quotes_token.sign(self._quote_key, tenant, signed, expires)
        return QuotePublic(
            quote_id=quote_id,
            expires_at=expires,
            rules_version=rules.version,
            options=[QuoteOption(**o) for o in options],
            items=answers if body.order else None,
            screening=self.shoppers.public(risk) if risk else None,
        )

    def _option(
        self, method: str, amount: int, rules: RuleSet, currency: str, body: QuoteCreate, distance_m: int
    ) -> dict[str, Any]:
        payers = self.payers(rules, amount, body.reason, body.insured, method, distance_m)
        payout = rules.insurance_payout(amount, method=method, distance_m=distance_m)
        return {
            "method": method,
            "amount_cents": amount,
            "currency": currency,
            "payer": payers[0].payer,
            "payers": payers,
            "insurance_payout_cents": payout if body.insured and any(p.payer == "insurer" for p in payers) else None,
        }

    @staticmethod
    def payers(
        rules: RuleSet, amount: int, reason: str, insured: bool, method: str, distance_m: int
    ) -> list[PayerShare]:
        """Who pays how much of `amount` under the merchant's rules (the largest share first)."""
        shares = rules.split(amount, reason=reason, insured=insured, method=method, distance_m=distance_m)
        return [PayerShare(payer=p.value, amount_cents=a) for p, a in shares]

    def charge(
        self, request: dict[str, Any], amount: int, rules: RuleSet, method: str, distance_m: int
    ) -> dict[str, Any]:
        """The stored price of a return registered from `request` (a quote's fields): amount, currency, payers.

        `rules` are the ones the quote was made under (`rules_for(merchant, quote["rules"])`), else the newest.
        """
        payers = self.payers(rules, int(amount), request["reason"], request["insured"], method, distance_m)
        return {
            "amount_cents": int(amount),
            "currency": self.desk.policies.for_merchant(request["merchant_id"]).currency,
            "payers": [p.model_dump() for p in payers],
        }

    def use(self, session: Session, quote_id: str, return_id: str) -> None:
        """Mark the quote used by `return_id`, in the caller's transaction: a quote is used once (409)."""
        try:
            with session.begin_nested():
                session.add(QuoteUseRow(quote_hash=hashlib.sha256(quote_id.encode()).hexdigest(), return_id=return_id))
        except IntegrityError:
            raise ConflictError("this quote was used already", code="quote_already_booked") from None

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
