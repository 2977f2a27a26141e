"""Drop-off registrations: a return the shopper leaves at a point, registered from a quote.

The registration reserves the return's place at a center (from the day after the point is
collected) in the transaction that stores it, at the amount the quote offered for that point.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from api.schemas import DropOffCreate, DropOffPublic, PayerShare
from api.services.centers import CenterReservations
from api.services.context import ServiceContext, owned, utc
from api.services.idempotency import Idempotency, Recorder, StoredResponse
from api.services.quotes import DROP_OFF_COLLECTED_AT_S, Quotes
from api.services.returns import Returns
from api.tables import DropOffRow
from optimizer.errors import ValidationError


class DropOffs:
    """Register and read drop-off returns."""

    def __init__(
        self,
        context: ServiceContext,
        quotes: Quotes,
        centers: CenterReservations,
        idempotency: Idempotency,
        returns: Returns,
    ) -> None:
        self.context = context
        self.quotes = quotes
        self.centers = centers
        self.idempotency = idempotency
        self.returns = returns

    def register(self, tenant: str, body: DropOffCreate, key: str | None, now: datetime) -> tuple[StoredResponse, bool]:
        """Register the return for the point (idempotent with a key, like a booking)."""
        request = {"operation": "create_dropoff", "body": body.model_dump(mode="json")}
        return self.idempotency.perform(
            tenant, key, request, now, lambda record: self._register(tenant, body, record, now)
        )

    def _register(self, tenant: str, body: DropOffCreate, record: Recorder, now: datetime) -> StoredResponse:
        context, desk = self.context, self.context.desk
        quote = self.quotes.opened(tenant, body.quote_id, now)
        amount = quote["drop_off"].get(body.point_id)
        if amount is None:
            raise ValidationError("point_id", f"{body.point_id} is not a drop-off point this quote offered")
        fields = quote["request"]
        rules = self.quotes.rules.rules_for(fields["merchant_id"], quote["rules"])
        weight = sum(p["weight_g"] * p.get("count", 1) for p in fields["parcels"])
        return_id = "rt_" + uuid.uuid4().hex[:20]
        today = context.today(now)
        with context.store.write() as session:
            self.quotes.use(session, body.quote_id, return_id)
            place = self.centers.reserve(session, desk.origins.index(body.point_id), fields["category"], weight, today)
            row = DropOffRow(
                id=return_id,
                tenant=tenant,
                region=context.region,
                point_id=body.point_id,
                parcels=fields["parcels"],
                category=fields["category"],
                reason=fields["reason"],
                merchant_id=fields["merchant_id"],
                center_id=place.center.id,
                processing_date=place.day,
                haul_m=place.haul_m,
                **self.quotes.charge(fields, amount, rules, "drop_off", place.haul_m),
                created_at=now,
            )
            session.add(row)
            self.returns.open(session, row, now)
            self.quotes.shoppers.record(session, tenant, return_id, quote.get("screening"), now)
            response = StoredResponse(201, self.public(row).model_dump(mode="json"))
            record(session, response)
        return response

    def get(self, tenant: str, return_id: str) -> DropOffPublic:
        """The tenant's drop-off registration (404 for another tenant's)."""
        with self.context.store.read() as session:
            return self.public(owned(session, DropOffRow, return_id, tenant))

    def public(self, row: DropOffRow) -> DropOffPublic:
        """The registration as the API shows it, with its center-day and estimates."""
        desk = self.context.desk
        registered = utc(row.created_at)
        leaves = max(registered, desk.local_time(registered.astimezone(desk.zone).date(), DROP_OFF_COLLECTED_AT_S))
        estimates = self.centers.estimates(row.center_id, row.processing_date, row.haul_m, leaves)
        return DropOffPublic(
            return_id=row.id,
            point_id=row.point_id,
            amount_cents=row.amount_cents,
            currency=row.currency,
            payers=[PayerShare.model_validate(p) for p in row.payers],
            **estimates,
        )
