"""What the endpoints do: quotes, slots, bookings, plans and assignments over the store and the desk.

No FastAPI here: the routes validate and call these methods; these call the optimizer and the store.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from api import quotes_token
from api.config import Settings
from api.day_plans import DayPlans
from api.errors import ConflictError, NotFoundError
from api.schemas import (
    AssignedReturn,
    AssignmentCreate,
    AssignmentPublic,
    CenterUsePublic,
    ParcelIn,
    PayerShare,
    PickupCreate,
    PickupPublic,
    QuoteCreate,
    QuoteOption,
    QuotePublic,
    ReturnFields,
    SlotPublic,
    SlotsPublic,
    TimelineEvent,
    UnassignedReturn,
)
from api.store import BookingRow, DayPlanRow, PlanJobRow, Store
from optimizer.assignment.baseline import nearest_center
from optimizer.assignment.from_region import ReturnItem, assignment_problem
from optimizer.assignment.solve import assign
from optimizer.domain import Location, Parcel, TimeWindow
from optimizer.errors import ValidationError
from optimizer.geo.region import load_region
from optimizer.geo.road_matrix import RoadNetworkSource
from optimizer.live_plan import DayPlan, NewPickup
from optimizer.policy import ReturnPolicy, is_quality_problem
from optimizer.quoting import CenterChoice, ReturnsDesk, SlotOffer, slot_id

SYSTEM_TENANT = "system"
"""Owner of the background re-optimisation jobs."""


def utc(moment: datetime) -> datetime:
    """Datetimes from SQLite come back naive; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Service:
    """One region's returns service over one store; safe to share between threads of one worker."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        region = load_region(settings.region, regions_dir=settings.regions_dir)
        source = RoadNetworkSource(region, settings.cache_dir)
        self.desk = ReturnsDesk(
            region,
            source,
            settings.fleet(),
            slots=settings.slot_policy(),
            policies=settings.policies(),
            timezone=settings.timezone,
        )
        self.region = region.name
        self.plans = DayPlans(store, region.name, self.desk.planner.empty_plan())
        self._quote_key = store.secret("quote_signing")

    def current_plan(self, day: date) -> DayPlan:
        """The day's plan as committed (empty if nobody booked that day yet)."""
        return self.plans.read(day)

    # -- checks --------------------------------------------------------------------------------------
    def _today(self, now: datetime) -> date:
        return now.astimezone(self.desk.zone).date()

    def _check_day(self, day: date, now: datetime, field: str) -> None:
        today = self._today(now)
        if day < today:
            raise ValidationError(field, f"{day} is in the past (today is {today} in {self.desk.zone.key})")
        if day > today + timedelta(days=self.settings.max_days_ahead):
            raise ValidationError(field, f"at most {self.settings.max_days_ahead} days ahead")

    def _parcels(self, parcels: list[ParcelIn]) -> list[Parcel]:
        if sum(p.count for p in parcels) > self.settings.max_parcels:
            raise ValidationError("parcels", f"at most {self.settings.max_parcels} parcels per return")
        return [Parcel(p.weight_g, p.volume_cm3, p.count) for p in parcels]

    def _pickup(self, origin: Any, parcels: list[Parcel]) -> NewPickup:
        return self.desk.pickup(self.desk.located(Location(origin.lat, origin.lon)), parcels)

    def _slot(self, offer: SlotOffer) -> SlotPublic:
        insertion = offer.insertion
        return SlotPublic(
            slot_id=offer.slot_id,
            start=self.desk.local_time(offer.day, offer.window.start_s),
            end=self.desk.local_time(offer.day, offer.window.end_s),
            available=offer.available,
            marginal_cost_cents=insertion.marginal_cost_cents if insertion and offer.open else None,
            green=self.desk.is_green(offer),
        )

    def _offers(self, pickup: NewPickup, first: date, days: int, now: datetime) -> list[SlotOffer]:
        plans = {first + timedelta(days=k): self.current_plan(first + timedelta(days=k)) for k in range(days)}
        return self.desk.slot_offers(plans, pickup, now)

    # -- slots and quotes ----------------------------------------------------------------------------
    def slots(self, origin: Any, parcels: list[Any], first: date | None, days: int, now: datetime) -> SlotsPublic:
        """Every slot of the days asked for at the address, with availability, marginal cost and green flag."""
        first = first or self._today(now)
        self._check_day(first, now, "date_from")
        if days > self.settings.max_slot_days:
            raise ValidationError("days", f"at most {self.settings.max_slot_days}")
        pickup = self._pickup(origin, self._parcels(parcels))
        return SlotsPublic(slots=[self._slot(offer) for offer in self._offers(pickup, first, days, now)])

    def quote(self, tenant: str, body: QuoteCreate, now: datetime) -> QuotePublic:
        """Doorstep pickup (its slots and price) and the nearest drop-off points, each with payer and center."""
        parcels = self._parcels(body.parcels)
        is_quality_problem(body.reason)  # an unknown reason code is a 422 naming `reason`
        first = body.date_from or self._today(now)
        self._check_day(first, now, "date_from")
        if body.days > self.settings.max_slot_days:
            raise ValidationError("days", f"at most {self.settings.max_slot_days}")
        rows = self.desk.located(Location(body.origin.lat, body.origin.lon))
        pickup = self.desk.pickup(rows, parcels)
        policy = self.desk.policies.for_merchant(body.merchant_id)
        weight = sum(p.weight_g * p.count for p in parcels)
        options: list[dict[str, Any]] = []
        offers = self._offers(pickup, first, body.days, now)
        available = [o for o in offers if o.available]
        depot = self.desk.nearest_depot(rows)
        choice = self.desk.center_for(depot, body.category, weight)
        if available:
            cheapest = min(o.insertion.marginal_cost_cents for o in available if o.insertion)
            amount = policy.pickup_fee_cents + cheapest
            leaves = self.desk.local_time(available[0].day, available[0].window.end_s)
            options.append(
                self._option("pickup", amount, policy, body, choice, leaves)
                | {"slots": [self._slot(o) for o in offers]}
            )
        for point, metres in self.desk.nearest_drop_offs(rows):
            origin = self.desk.origins.index(point.id)
            at_point = self.desk.center_for(origin, body.category, weight)
            transport = at_point.transport_cents if at_point else 0
            amount = policy.drop_off_fee_cents + transport
            leaves = max(now, self.desk.local_time(self._today(now), 20 * 3600))
            options.append(
                self._option("drop_off", amount, policy, body, at_point, leaves)
                | {"point_id": point.id, "distance_m": metres}
            )
        expires = now + timedelta(seconds=self.settings.quote_ttl_s)
        quote_id = quotes_token.sign(self._quote_key, tenant, _return_fields(body), expires)
        return QuotePublic(quote_id=quote_id, expires_at=expires, options=[QuoteOption(**o) for o in options])

    def _option(
        self,
        method: str,
        amount: int,
        policy: ReturnPolicy,
        body: ReturnFields,
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

    # -- bookings ------------------------------------------------------------------------------------
    def _resolve(self, tenant: str, body: PickupCreate, now: datetime) -> dict[str, Any]:
        if body.quote_id is None:
            return {
                "origin": body.origin.model_dump() if body.origin else None,
                "parcels": [p.model_dump() for p in body.parcels or []],
                "category": body.category,
                "reason": body.reason,
                "insured": body.insured,
                "merchant_id": body.merchant_id,
            }
        return quotes_token.open_quote(self._quote_key, tenant, body.quote_id, now)

    def _existing(self, tenant: str, key: str, request_hash: str) -> PickupPublic | None:
        with self.store.read() as session:
            query = select(BookingRow).where(BookingRow.tenant == tenant, BookingRow.idempotency_key == key)
            row = session.execute(query).scalar_one_or_none()
        if row is None:
            return None
        if row.request_hash != request_hash:
            raise ConflictError("this Idempotency-Key was already used for a different request")
        return self.public(row)

    def book(self, tenant: str, body: PickupCreate, key: str | None, now: datetime) -> tuple[PickupPublic, bool]:
        """Insert the pickup into the day's plan and store it, or 409 if the slot cannot take it.

        Returns the booking and whether it is a replay of an earlier request with the same key.
        """
        request = self._resolve(tenant, body, now)
        request_hash = hashlib.sha256(json.dumps([request, body.slot_id], sort_keys=True).encode()).hexdigest()
        if key is not None and (found := self._existing(tenant, key, request_hash)) is not None:
            return found, True
        day, window = self.desk.parse_slot(body.slot_id)
        self._check_day(day, now, "slot_id")
        if not self.desk.is_open(day, window, now):
            raise ConflictError(f"booking for slot {body.slot_id} has closed")
        is_quality_problem(request["reason"])
        parcels = self._parcels([ParcelIn(**p) for p in request["parcels"]])
        origin = request["origin"]
        rows = self.desk.located(Location(origin["lat"], origin["lon"]))
        pickup = self.desk.pickup(rows, parcels)
        weight = sum(p.weight_g * p.count for p in parcels)
        choice = self.desk.center_for(self.desk.nearest_depot(rows), request["category"], weight)
        booking_id = "pk_" + uuid.uuid4().hex[:20]
        try:
            with self.store.write() as session:
                locked = self.plans.lock(session, day)
                (option,) = self.desk.planner.options(locked.plan, pickup, [window])
                if option is None:
                    raise ConflictError(f"slot {body.slot_id} can no longer be served at this address")
                saved = self.plans.save(
                    session, locked, self.desk.planner.insert(locked.plan, booking_id, pickup, option)
                )
                booking = BookingRow(
                    id=booking_id,
                    tenant=tenant,
                    idempotency_key=key,
                    request_hash=request_hash,
                    region=self.region,
                    day=day,
                    slot_start_s=window.start_s,
                    slot_end_s=window.end_s,
                    lat=origin["lat"],
                    lon=origin["lon"],
                    parcels=request["parcels"],
                    category=request["category"],
                    reason=request["reason"],
                    merchant_id=request["merchant_id"],
                    insured=request["insured"],
                    center_id=choice.center.id if choice else None,
                    haul_m=choice.haul_m if choice else 0,
                    status="booked",
                    created_at=now,
                    updated_at=now,
                )
                session.add(booking)
        except IntegrityError:
            # the same key raced in on another day's lock: the first one won
            if key is not None and (found := self._existing(tenant, key, request_hash)) is not None:
                return found, True
            raise
        self.plans.remember(saved)
        return self.public(booking, saved.plan), False

    def _booking(self, tenant: str, pickup_id: str) -> BookingRow:
        with self.store.read() as session:
            row = session.get(BookingRow, pickup_id)
        if row is None or row.tenant != tenant:
            raise NotFoundError(f"no pickup {pickup_id}")
        return row

    def get(self, tenant: str, pickup_id: str) -> PickupPublic:
        return self.public(self._booking(tenant, pickup_id))

    def cancel(self, tenant: str, pickup_id: str, now: datetime) -> PickupPublic:
        """Take the pickup out of its route; a cancelled booking stays readable."""
        row = self._booking(tenant, pickup_id)
        if row.status == "cancelled":
            return self.public(row)
        with self.store.write() as session:
            locked = self.plans.lock(session, row.day)
            saved = self.plans.save(session, locked, self.desk.planner.remove(locked.plan, pickup_id))
            booking = session.get(BookingRow, pickup_id, with_for_update=True)
            assert booking is not None
            booking.status, booking.updated_at = "cancelled", now
        self.plans.remember(saved)
        return self.public(booking)

    def reschedule(self, tenant: str, pickup_id: str, new_slot: str, now: datetime) -> PickupPublic:
        """Move the pickup to another slot, atomically: if the new slot cannot take it, nothing changes (409)."""
        row = self._booking(tenant, pickup_id)
        if row.status != "booked":
            raise ConflictError(f"pickup {pickup_id} is {row.status}")
        day, window = self.desk.parse_slot(new_slot)
        self._check_day(day, now, "slot_id")
        if not self.desk.is_open(day, window, now):
            raise ConflictError(f"booking for slot {new_slot} has closed")
        parcels = self._parcels([ParcelIn(**p) for p in row.parcels])
        pickup = self.desk.pickup(self.desk.located(Location(row.lat, row.lon)), parcels)
        with self.store.write() as session:
            days = sorted({row.day, day})  # a fixed order, so two reschedules never wait on each other
            locked = {d: self.plans.lock(session, d) for d in days}
            plans = {d: held.plan for d, held in locked.items()}
            plans[row.day] = self.desk.planner.remove(plans[row.day], pickup_id)
            (option,) = self.desk.planner.options(plans[day], pickup, [window])
            if option is None:
                raise ConflictError(f"slot {new_slot} can no longer be served at this address")
            plans[day] = self.desk.planner.insert(plans[day], pickup_id, pickup, option)
            saved = [self.plans.save(session, held, plans[d]) for d, held in locked.items()]
            booking = session.get(BookingRow, pickup_id, with_for_update=True)
            assert booking is not None
            booking.day, booking.slot_start_s, booking.slot_end_s = day, window.start_s, window.end_s
            booking.updated_at = now
        for each in saved:
            self.plans.remember(each)
        return self.public(booking, plans[day])

    def public(self, row: BookingRow, plan: DayPlan | None = None) -> PickupPublic:
        """The booking as the API shows it, with its timeline (estimates from the live plan)."""
        window = TimeWindow(row.slot_start_s, row.slot_end_s)
        created = utc(row.created_at)
        events = [TimelineEvent(event="booked", at=created, estimated=False)]
        courier = None
        if row.status == "cancelled":
            events.append(TimelineEvent(event="cancelled", at=utc(row.updated_at), estimated=False))
        else:
            plan = plan or self.current_plan(row.day)
            placed = self.desk.planner.schedule(plan).get(row.id)
            if placed is not None:
                courier = placed[0]
                pickup_at = self.desk.local_time(row.day, placed[1])
                events.append(TimelineEvent(event="courier_assigned", at=utc(row.updated_at), estimated=False))
                events.append(TimelineEvent(event="picked_up", at=pickup_at, estimated=True))
                if row.center_id is not None:
                    leaves = self.desk.local_time(row.day, row.slot_end_s)
                    at_center = self.desk.arrival_at_center(leaves, row.haul_m)
                    events.append(TimelineEvent(event="at_center", at=at_center, estimated=True))
        return PickupPublic(
            id=row.id,
            status="cancelled" if row.status == "cancelled" else "booked",
            slot_id=slot_id(row.day, window),
            slot_start=self.desk.local_time(row.day, window.start_s),
            slot_end=self.desk.local_time(row.day, window.end_s),
            courier_id=courier,
            center_id=row.center_id,
            timeline=events,
        )

    # -- re-optimisation ------------------------------------------------------------------------------
    def queue_plan(
        self, tenant: str, day: date, time_limit_s: float, now: datetime, job_id: str | None = None
    ) -> PlanJobRow | None:
        """Record a queued re-optimisation job; None if `job_id` exists already (another worker took it)."""
        job = PlanJobRow(
            id=job_id or "pl_" + uuid.uuid4().hex[:20],
            tenant=tenant,
            region=self.region,
            day=day,
            time_limit_s=time_limit_s,
            status="queued",
            detail="",
            result=None,
            created_at=now,
            finished_at=None,
        )
        try:
            with self.store.write() as session:
                session.add(job)
        except IntegrityError:
            return None
        return job

    def background_plans(self, now: datetime) -> list[str]:
        """Queue one re-optimisation per day (today and tomorrow) that changed since its last one.

        The job id names the day and its version, so however many workers ask, one of them gets it.
        """
        queued = []
        today = self._today(now)
        with self.store.read() as session:
            days = session.execute(
                select(DayPlanRow.day, DayPlanRow.version).where(
                    DayPlanRow.region == self.region, DayPlanRow.day.in_([today, today + timedelta(days=1)])
                )
            ).all()
        for day, version in days:
            if version == 0:
                continue
            limit = self.settings.background_plan_time_limit_s
            job = self.queue_plan(SYSTEM_TENANT, day, limit, now, job_id=f"auto-{day.isoformat()}-{version}")
            if job is not None:
                queued.append(job.id)
        return queued

    # -- assignments ---------------------------------------------------------------------------------
    def assign(self, body: AssignmentCreate) -> AssignmentPublic:
        """Processing center per return for a batch, optimal, with the nearest-center rule's cost beside it."""
        if len(body.returns) > self.settings.max_assignment_returns:
            raise ValidationError("returns", f"at most {self.settings.max_assignment_returns} per request")
        items = []
        for i, r in enumerate(body.returns):
            location = Location(r.location.lat, r.location.lon) if r.location else None
            try:
                items.append(ReturnItem(r.id, r.category, r.weight_g, r.origin, location, r.method))
            except ValidationError as error:
                raise error.within(f"returns[{i}]") from None
        problem = assignment_problem(
            self.desk.region, items, source=self.desk.source, unplaced_penalty_cents=body.unplaced_penalty_cents
        )
        optimal, baseline = assign(problem), nearest_center(problem)
        ids, centers = problem.returns.ids, problem.centers
        return AssignmentPublic(
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


def _return_fields(body: ReturnFields) -> dict[str, Any]:
    return body.model_dump(mode="json", include={"origin", "parcels", "category", "reason", "insured", "merchant_id"})
