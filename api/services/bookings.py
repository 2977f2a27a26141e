"""Bookings: a pickup joins the day's routes in the transaction that stores it; read, cancel, reschedule."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from api.errors import ConflictError
from api.journey import EventType
from api.schemas import ParcelIn, PayerShare, PickupCreate, PickupPublic
from api.services.centers import CenterReservations
from api.services.context import ServiceContext, owned
from api.services.idempotency import Idempotency, Recorder, StoredResponse
from api.services.quotes import Quotes
from api.services.returns import Returns
from api.tables import BookingRow, ReturnEventRow, ReturnRow
from optimizer.domain import Location, TimeWindow
from optimizer.errors import ValidationError
from optimizer.live import DayPlan
from optimizer.quoting import slot_id
from optimizer.rules import RuleSet, is_quality_problem


@dataclass(frozen=True)
class _Resolved:
    """What a booking request resolves to: from its quote, or from its own fields."""

    request: dict[str, Any]
    quoted: int | None
    rules: RuleSet
    screened: dict[str, Any] | None


class Bookings:
    """Book, read, cancel and reschedule doorstep pickups; the database serialises the writers."""

    def __init__(
        self,
        context: ServiceContext,
        quotes: Quotes,
        centers: CenterReservations,
        idempotency: Idempotency,
        returns: Returns,
    ) -> None:
        self.context = context
        self.desk = context.desk
        self.quotes = quotes
        self.centers = centers
        self.idempotency = idempotency
        self.returns = returns

    def _resolve(self, tenant: str, body: PickupCreate, now: datetime) -> _Resolved:
        """The return's fields, the amount the quote bound for the slot, its rules and its screened shopper.

        The rules are those the quote was made under; without a quote, the merchant's newest.
        """
        if body.quote_id is None:
            request = body.model_dump(
                mode="json", include={"origin", "parcels", "category", "reason", "insured", "delivery_parcels"}
            )
            request["merchant_id"] = body.merchant_id
            self.quotes.check_merchant(tenant, request["merchant_id"])
            return _Resolved(request, None, self.quotes.rules.rules_for(request["merchant_id"]), None)
        quote = self.quotes.opened(tenant, body.quote_id, now)
        amount = quote["pickup"].get(body.slot_id)
        if amount is None:
            raise ValidationError("slot_id", f"{body.slot_id} is not a slot this quote offered as available")
        rules = self.quotes.rules.rules_for(quote["request"]["merchant_id"], quote["rules"])
        return _Resolved(quote["request"], int(amount), rules, quote.get("screening"))

    def book(self, tenant: str, body: PickupCreate, key: str | None, now: datetime) -> tuple[StoredResponse, bool]:
        """Insert the pickup into the day's plan and store it, or refuse (409) if the slot cannot take it.

        With an idempotency key, the key is claimed first: a retry gets the first response back
        (status and body) and whether it is such a replay; see `api.services.idempotency`.
        """
        request = {"operation": "create_pickup", "body": body.model_dump(mode="json")}
        return self.idempotency.perform(tenant, key, request, now, lambda record: self._book(tenant, body, record, now))

    def _book(self, tenant: str, body: PickupCreate, record: Recorder, now: datetime) -> StoredResponse:
        context, desk = self.context, self.desk
        resolved = self._resolve(tenant, body, now)
        request, quoted, rules = resolved.request, resolved.quoted, resolved.rules
        day, window = desk.parse_slot(body.slot_id)
        context.check_day(day, now, "slot_id")
        if not desk.is_open(day, window, now):
            raise ConflictError(f"booking for slot {body.slot_id} has closed", code="booking_closed")
        is_quality_problem(request["reason"])
        parcels = context.parcels([ParcelIn(**p) for p in request["parcels"]])
        deliveries = context.parcels([ParcelIn(**p) for p in request.get("delivery_parcels") or []], "delivery_parcels")
        origin = request["origin"]
        point = desk.located(Location(origin["lat"], origin["lon"]))
        pickup = desk.pickup(point, parcels, delivery_parcels=deliveries)
        weight = sum(p.weight_g * p.count for p in parcels)
        depot = desk.nearest_depot(point)
        policy = desk.policies.for_merchant(request["merchant_id"])
        booking_id, return_id = "pk_" + uuid.uuid4().hex[:20], "rt_" + uuid.uuid4().hex[:20]
        priced = context.plans.committed(day)  # priced before the lock; the lock holds only the final check
        (guess,) = desk.planner.options(priced.plan, pickup, [window])
        with context.store.write() as session:
            if body.quote_id is not None:
                self.quotes.use(session, body.quote_id, return_id)
            locked = context.plans.lock_as_priced(session, priced, guess.courier_id if guess else None)
            option = guess if locked.plan is priced.plan else desk.planner.options(locked.plan, pickup, [window])[0]
            if option is None:
                raise ConflictError(f"slot {body.slot_id} can no longer be served at this address")
            saved = context.plans.save(session, locked, desk.planner.insert(locked.plan, booking_id, pickup, option))
            place = self.centers.reserve(session, depot, request["category"], weight, day)
            amount = quoted if quoted is not None else policy.pickup_fee_cents + option.marginal_cost_cents
            booking = BookingRow(
                id=booking_id,
                tenant=tenant,
                return_id=return_id,
                processing_date=place.day,
                origin_id=desk.origins[depot],
                **self.quotes.charge(request, amount, rules, "pickup", place.haul_m),
                region=context.region,
                day=day,
                slot_start_s=window.start_s,
                slot_end_s=window.end_s,
                lat=origin["lat"],
                lon=origin["lon"],
                parcels=request["parcels"],
                delivery_parcels=request.get("delivery_parcels"),
                category=request["category"],
                reason=request["reason"],
                merchant_id=request["merchant_id"],
                insured=request["insured"],
                center_id=place.center.id,
                haul_m=place.haul_m,
                status="booked",
                created_at=now,
                updated_at=now,
            )
            session.add(booking)
            opened = self.returns.open(session, booking, now)
            self.quotes.shoppers.record(session, tenant, return_id, resolved.screened, now)
            shown = self.public(session, booking, saved.plan, happened=[], returned=opened)  # nothing happened yet
            response = StoredResponse(201, shown.model_dump(mode="json"))
            record(session, response)
        context.plans.remember(saved)
        return response

    def get(self, tenant: str, pickup_id: str) -> PickupPublic:
        """The tenant's pickup with its timeline (404 for another tenant's)."""
        with self.context.store.read() as session:
            return self.public(session, owned(session, BookingRow, pickup_id, tenant))

    def _check_open(self, row: BookingRow, now: datetime) -> None:
        """A pickup whose slot has passed its cut-off can no longer be changed: the courier may be on the way."""
        if not self.desk.is_open(row.day, TimeWindow(row.slot_start_s, row.slot_end_s), now):
            slot = slot_id(row.day, TimeWindow(row.slot_start_s, row.slot_end_s))
            raise ConflictError(
                f"booking for slot {slot} has closed: pickup {row.id} can no longer change", code="booking_closed"
            )

    def cancel(self, tenant: str, pickup_id: str, now: datetime) -> PickupPublic:
        """Take the pickup out of its route (a displaced or failed one is on none); a cancelled booking stays readable.

        Its place at a center is given back; a picked-up return cannot be cancelled (409). Decided
        under the lock: the return and booking rows are read again and locked, then the day, in the
        transaction that writes them, so a concurrent reschedule, cancel or event is seen, never overwritten.
        """
        context = self.context
        saved = None
        with context.store.write() as session:
            booking = self._locked(session, pickup_id, tenant)
            if booking.status != "cancelled":
                self._advance(session, booking, EventType.CANCELLED, tenant, now)
            if booking.status == "booked":
                self._check_open(booking, now)
                locked = context.plans.lock(session, booking.day)
                saved = context.plans.save(session, locked, self.desk.planner.remove(locked.plan, pickup_id))
            if booking.status in {"booked", "displaced", "failed"}:
                self._release(session, booking)
                booking.status, booking.updated_at = "cancelled", now
            public = self.public(session, booking)
        if saved is not None:
            context.plans.remember(saved)
        return public

    def _locked(self, session: Session, pickup_id: str, tenant: str) -> BookingRow:
        """The booking read again and locked, after its return (every writer of a return locks in this order)."""
        return_id = owned(session, BookingRow, pickup_id, tenant).return_id
        if return_id is not None:
            self.returns.locked(session, return_id)
        return owned(session, BookingRow, pickup_id, tenant, lock=True)

    def _advance(
        self, session: Session, booking: BookingRow, event: EventType, tenant: str, now: datetime, **detail: str
    ) -> None:
        """Move the booking's return by `event` (locked by `_locked`; 409 if its journey does not allow it)."""
        if booking.return_id is not None:
            row = session.get(ReturnRow, booking.return_id)
            assert row is not None
            self.returns.advance(session, row, event, now, posted_by=tenant, now=now, detail=detail)

    def reschedule(self, tenant: str, pickup_id: str, new_slot: str, now: datetime) -> PickupPublic:
        """Move the pickup to another slot, atomically: if the new slot cannot take it, nothing changes (409).

        A `displaced` pickup (a fleet change left it without a courier) is booked again this way, and
        so is a `failed` one (its return is `rebooked`, while doorstep attempts are left: else 409
        `attempts_exhausted`). Decided under the lock, like `cancel`: the booking's current day and
        slot are those read in the writing transaction, after the return and booking rows are locked.
        """
        context, desk = self.context, self.desk
        with context.store.read() as session:
            row = owned(session, BookingRow, pickup_id, tenant)
        day, window = desk.parse_slot(new_slot)
        context.check_day(day, now, "slot_id")
        if not desk.is_open(day, window, now):
            raise ConflictError(f"booking for slot {new_slot} has closed", code="booking_closed")
        pickup = context.booked_pickup(row)
        point = pickup.point
        with context.store.write() as session:
            booking = self._locked(session, pickup_id, tenant)
            if booking.status not in {"booked", "displaced", "failed"}:
                raise ConflictError(f"pickup {pickup_id} is {booking.status}", code="pickup_not_booked")
            if booking.status == "failed":
                self._advance(session, booking, EventType.REBOOKED, tenant, now, slot_id=new_slot)
            on_route = booking.status == "booked"
            if on_route:
                self._check_open(booking, now)
            days = sorted({booking.day, day})  # a fixed order, so two reschedules never wait on each other
            locked = {d: context.plans.lock(session, d) for d in days}
            plans = {d: held.plan for d, held in locked.items()}
            if on_route:
                plans[booking.day] = desk.planner.remove(plans[booking.day], pickup_id)
            (option,) = desk.planner.options(plans[day], pickup, [window])
            if option is None:
                raise ConflictError(f"slot {new_slot} can no longer be served at this address")
            plans[day] = desk.planner.insert(plans[day], pickup_id, pickup, option)
            saved = [context.plans.save(session, held, plans[d]) for d, held in locked.items()]
            if day != booking.day:  # collected another day: its place at a center moves with it
                self._release(session, booking)
                place = self.centers.reserve(
                    session, desk.nearest_depot(point), booking.category, pickup.load.weight_g, day
                )
                booking.center_id, booking.processing_date, booking.haul_m = place.center.id, place.day, place.haul_m
                booking.origin_id = desk.origins[desk.nearest_depot(point)]
            booking.day, booking.slot_start_s, booking.slot_end_s = day, window.start_s, window.end_s
            booking.status, booking.updated_at = "booked", now
            if booking.return_id is not None:
                returned = session.get(ReturnRow, booking.return_id)
                assert returned is not None
                returned.day = day
            public = self.public(session, booking, plans[day])
        for each in saved:
            context.plans.remember(each)
        return public

    def _release(self, session: Session, booking: BookingRow) -> None:
        if booking.center_id is not None and booking.processing_date is not None:
            self.centers.release(session, booking.center_id, booking.processing_date, booking.category)

    def public(
        self,
        session: Session,
        row: BookingRow,
        plan: DayPlan | None = None,
        happened: list[ReturnEventRow] | None = None,
        returned: ReturnRow | None = None,
    ) -> PickupPublic:
        """The booking as the API shows it, with its return's timeline (estimates from `plan` or the live plan).

        `happened` is the return's log and `returned` its row when the caller knows them (else they are read).
        """
        desk = self.desk
        window = TimeWindow(row.slot_start_s, row.slot_end_s)
        if returned is None and row.return_id:
            returned = session.get(ReturnRow, row.return_id)
        timeline = []
        if returned is not None:
            events = self.returns.log(session, returned.return_id) if happened is None else happened
            timeline = self.returns.timeline(returned, events, row, None, plan)
        courier = None
        if row.status in {"booked", "picked_up"}:
            placed = desk.planner.placed(plan or self.context.current_plan(row.day), row.id)
            courier = placed[0] if placed else None
        return PickupPublic(
            id=row.id,
            status=row.status,
            slot_id=slot_id(row.day, window),
            slot_start=desk.local_time(row.day, window.start_s),
            slot_end=desk.local_time(row.day, window.end_s),
            courier_id=courier,
            center_id=row.center_id,
            return_id=row.return_id,
            processing_date=row.processing_date,
            amount_cents=row.amount_cents,
            currency=row.currency,
            payers=[PayerShare.model_validate(p) for p in row.payers] if row.payers else None,
            delivery_parcels=[ParcelIn.model_validate(p) for p in row.delivery_parcels or []] or None,
            timeline=timeline,
        )
