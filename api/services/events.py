"""Events in: what couriers, drop-off points and centers report about a return, applied under its lock.

An event is stored once per `event_id` (sending it again answers the return as it is now, with
`Idempotent-Replayed: true`; the same id with another body is a `422`). It moves the return along
`api.journey` in the transaction that stores it, after the return row, then its booking, then the
day's plan are locked, in that order (the order every writer of a return uses). A `picked_up`
stop stays in its route marked done: no booking is inserted before it, and a re-plan keeps it and
the stops before it first; a `pickup_failed` one leaves the plan,
and the answer offers the next slots that can take it, priced like any slot, until no attempt is left.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from api.errors import ConflictError, ForbiddenError, NotFoundError, UnprocessableError
from api.journey import EventType, Status
from api.schemas import DropOffNearby, EventAccepted, EventCreate, NextSteps, SlotPublic
from api.services.context import ServiceContext, utc
from api.services.quotes import Quotes
from api.services.returns import Returns
from api.tables import BookingRow, DropOffRow, ReturnRow
from optimizer.errors import ValidationError
from optimizer.live import DayPlan, NewPickup

CENTER_EVENTS = frozenset({EventType.RECEIVED, EventType.INSPECTED})
"""What a center's systems may report (the operator reports every type)."""
CLOCK_SKEW = timedelta(minutes=5)
"""How far in the future an event's `at` may lie (the sender's clock may run ahead)."""


@dataclass(frozen=True)
class _Rebooking:
    """A failed pickup located again, and the committed plans of the days it may be rebooked on."""

    pickup: NewPickup
    plans: dict[date, DayPlan]


class Events:
    """Take events about returns from the operator and the centers' systems."""

    def __init__(self, context: ServiceContext, returns: Returns, quotes: Quotes) -> None:
        self.context = context
        self.returns = returns
        self.quotes = quotes
        context.settings.check_center_tenants(center.id for center in context.desk.region.sites.centers)

    def _check_sender(self, tenant: str, event: EventType) -> frozenset[str] | None:
        """The centers a center system reports for (None: the operator, who reports for all); 403 otherwise."""
        settings = self.context.settings
        if tenant in settings.operators:
            return None
        centers = settings.centers_of_tenant.get(tenant)
        if centers is None:
            raise ForbiddenError("events are posted by the operator or a center's systems")
        if event not in CENTER_EVENTS:
            raise ForbiddenError(f"a center's systems post received and inspected events, not {event.value}")
        return centers

    def post(self, tenant: str, return_id: str, body: EventCreate, now: datetime) -> tuple[EventAccepted, bool]:
        """Apply the event to the return (or find it applied already); the answer and whether it is a replay."""
        context, planner = self.context, self.context.desk.planner
        event = EventType(body.type)
        centers = self._check_sender(tenant, event)
        at = body.at.astimezone(UTC)
        if at > now + CLOCK_SKEW:
            raise ValidationError("at", f"{body.at.isoformat()} is in the future")
        digest = hashlib.sha256(json.dumps(body.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()
        again = self._rebooking(return_id, now) if event is EventType.PICKUP_FAILED else None  # before any lock
        saved, steps = None, NextSteps()
        with context.store.write() as session:
            row = self.returns.locked(session, return_id)
            booking = session.get(BookingRow, row.pickup_id, with_for_update=True) if row.pickup_id else None
            place = booking or session.get(DropOffRow, return_id)
            if centers is not None and (place is None or place.center_id not in centers):
                raise NotFoundError(f"no return {return_id} for your centers")
            stored = self.returns.logged(session, return_id, body.event_id)
            if stored is not None and stored.request_hash != digest:
                raise UnprocessableError(
                    f"event {body.event_id} was sent before with another body", code="event_id_reused"
                )
            if stored is None:
                if at < utc(row.created_at):
                    raise ValidationError("at", "is before the return was registered")
                self.returns.check(row, event)
                extra: dict[str, Any] | None = None
                if event in {EventType.PICKED_UP, EventType.PICKUP_FAILED}:
                    assert booking is not None  # the journey allows these only for pickups
                    if booking.status != "booked":
                        raise ConflictError(
                            f"pickup {booking.id} is {booking.status}: no courier has it", code="pickup_not_booked"
                        )
                    locked = context.plans.lock(session, booking.day)
                    if event is EventType.PICKED_UP:
                        changed = planner.picked_up(locked.plan, booking.id)
                    else:
                        changed = planner.failed(locked.plan, booking.id)
                        assert again is not None  # a return with a booking has a pickup to locate
                        held = again.plans | {booking.day: changed}  # the plan as it is now, the rest as read
                        steps = self._next_steps(booking, again.pickup, row.failed_attempts + 1, now, held)
                        extra = steps.model_dump(mode="json")
                    saved = context.plans.save(session, locked, changed)
                    booking.status = "picked_up" if event is EventType.PICKED_UP else "failed"
                    booking.updated_at = now
                detail = body.model_dump(include={"reason", "grade", "disposition"}, exclude_none=True)
                self.returns.advance(
                    session,
                    row,
                    event,
                    at,
                    posted_by=tenant,
                    now=now,
                    event_id=body.event_id,
                    detail=detail,
                    request_hash=digest,
                    extra=extra,
                )
            status, failed = Status(row.status), row.failed_attempts
        if saved is not None:
            context.plans.remember(saved)
        if stored is not None and status is Status.PICKUP_FAILED and booking is not None:  # a replay: as of now
            again = again or self._rebooking(return_id, now)
            assert again is not None
            steps = self._next_steps(booking, again.pickup, failed, now, again.plans)
        accepted = EventAccepted(event_id=body.event_id, return_id=return_id, status=status, **dict(steps))
        return accepted, stored is not None

    def _next_steps(
        self,
        booking: BookingRow,
        pickup: NewPickup,
        failed: int,
        now: datetime,
        held: dict[date, DayPlan] | None = None,
    ) -> NextSteps:
        """After a failed pickup: the slots to rebook while attempts are left, else the nearest drop-off points."""
        if failed < self.context.settings.max_pickup_attempts:
            return NextSteps(rebook_options=self._options(booking, pickup, now, held))
        points = [
            DropOffNearby(point_id=point.id, distance_m=metres)
            for point, metres in self.context.desk.nearest_drop_offs(pickup.point)
        ]
        return NextSteps(rebook_options=[], drop_off_only=True, drop_off_points=points)

    def _rebooking(self, return_id: str, now: datetime) -> _Rebooking | None:
        """What pricing a failed pickup's rebooking needs, read before any lock (None: no pickup).

        The address and parcels never change; the days' plans are as committed now (the caller puts
        the day it holds locked in their place), so nothing is read while the lock is held.
        """
        with self.context.store.read() as session:
            row = session.get(ReturnRow, return_id)
            booking = session.get(BookingRow, row.pickup_id) if row and row.pickup_id else None
        if booking is None:
            return None
        first = max(self.context.today(now), booking.day)
        days = [first + timedelta(days=k) for k in range(self.context.settings.rebook_days)]
        plans = self.context.current_plans(days)
        return _Rebooking(self.context.booked_pickup(booking), plans)

    def _options(
        self, booking: BookingRow, pickup: NewPickup, now: datetime, held: dict[date, DayPlan] | None = None
    ) -> list[SlotPublic]:
        """The slots that can take the pickup from the day it failed on, priced like any slot (fee + what it adds)."""
        context, desk = self.context, self.context.desk
        first = max(context.today(now), booking.day)
        fee = desk.policies.for_merchant(booking.merchant_id).pickup_fee_cents
        offers = self.quotes.offers(pickup, first, context.settings.rebook_days, now, held)
        return [SlotPublic.of(offer, desk, fee_cents=fee) for offer in offers if offer.available]
