"""The booking invariant holds after every step of any interleaving of the ways the state changes.

A stateful property test (hypothesis) books (plain returns and exchanges), cancels, reschedules,
re-plans on request and in the background, changes the fleet, registers drop-offs, re-assigns
returns to centers, and reports pickups picked up or failed (then rebooks them by rescheduling), in
any order, on SQLite and on PostgreSQL, and checks the invariants (`tests/api/invariant.py`) from
what is stored after every step; and that the stops up to each courier's last picked-up one stay
first, in their order, whatever comes next.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule, run_state_machine_as_test

from api import jobs
from api.day_plans import DayPlans
from api.errors import ConflictError
from api.schemas import DropOffCreate, EventCreate, LatLon, ParcelIn, PickupCreate, PlanCreate, QuoteCreate
from api.services import Service
from api.store import Store
from optimizer.errors import ValidationError
from tests.api.api_client import settings as service_settings, slot, tomorrow
from tests.api.invariant import center_day_violations, journey_violations, violations
from tests.conftest import POSTGRES_URL, reset_postgres

ADDRESSES = [(31.2304, 121.4737), (31.2331, 121.4790), (31.2352, 121.4712), (31.2280, 121.4768), (31.2371, 121.4751)]
HOURS = (9, 11, 13, 15, 17, 19)
STEPS = int(os.environ.get("BACKHAUL_STATEFUL_STEPS", "15"))
RUNS = int(os.environ.get("BACKHAUL_STATEFUL_RUNS", "20"))
_databases = itertools.count()
SMALL_CENTERS = '{"default": {"C1": 2, "C2": 3, "C3": 2}}'
"""Centers that fill up within a run, so reservations overflow to other centers and days, and run out."""


def _fresh_database(kind: str, folder: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / f'stateful-{next(_databases)}.db'}"
    assert POSTGRES_URL is not None
    reset_postgres(POSTGRES_URL)
    return POSTGRES_URL


def _machine(kind: str, folder: Path) -> type[RuleBasedStateMachine]:
    class Bookings(RuleBasedStateMachine):
        pickups = Bundle("pickups")
        prepared = Bundle("prepared")

        def __init__(self) -> None:
            super().__init__()
            self.url = _fresh_database(kind, folder)
            self.store = Store(self.url)
            self.store.migrate()
            self.now = datetime.now(UTC)
            self.started: list[str] = []
            self.service = self._service(per_depot=1)
            self.done: dict[date, dict[str, list[str]]] | None = {}
            """Each day's done prefixes after the last step (None: the fleet changed, routes start anew)."""

        def _service(self, per_depot: int) -> Service:
            config = service_settings(
                self.url,
                couriers_per_depot=per_depot,
                background_plan_time_limit_s=0.5,
                center_capacity=SMALL_CENTERS,
                processing_horizon_days=2,
            )
            return Service(config, self.store, run_job=self.started.append)

        def _run_started(self) -> None:
            while self.started:
                jobs.run_job(self.service, self.started.pop(0))

        def teardown(self) -> None:
            self.store.dispose()

        @rule(
            target=pickups,
            address=st.sampled_from(ADDRESSES),
            hour=st.sampled_from(HOURS),
            later=st.integers(0, 1),
            exchange=st.integers(0, 2),
        )
        def book(self, address: tuple[float, float], hour: int, later: int, exchange: int) -> str:
            body = PickupCreate(
                slot_id=slot(hour, tomorrow() + timedelta(days=later)),
                origin=LatLon(lat=address[0], lon=address[1]),
                parcels=[ParcelIn(weight_g=900, volume_cm3=4000)],
                category="apparel",
                reason="size_or_fit",
                merchant_id="m-1",
                delivery_parcels=[ParcelIn(weight_g=1500, volume_cm3=5000, count=exchange)] if exchange else None,
            )
            try:
                booking, _ = self.service.bookings.book("platform", body, None, self.now)
            except ConflictError:
                return "pk_none"  # the slot was full: nothing changed
            return str(booking.body["id"])

        @rule(pickup=pickups)
        def cancel(self, pickup: str) -> None:
            if pickup != "pk_none":
                with contextlib.suppress(ConflictError):  # a picked-up return cannot be cancelled: nothing changes
                    self.service.bookings.cancel("platform", pickup, self.now)

        @rule(pickup=pickups, hour=st.sampled_from(HOURS), later=st.integers(0, 1))
        def reschedule(self, pickup: str, hour: int, later: int) -> None:
            if pickup == "pk_none":
                return
            with contextlib.suppress(ConflictError, ValidationError):  # refused as a whole: nothing changes
                self.service.bookings.reschedule(
                    "platform", pickup, slot(hour, tomorrow() + timedelta(days=later)), self.now
                )

        @rule(later=st.integers(0, 1))
        def replan(self, later: int) -> None:
            request = PlanCreate(date=tomorrow() + timedelta(days=later), time_limit_s=0.5)
            self.service.plan_jobs.create("platform", request, self.now)
            self._run_started()

        @rule(target=prepared, later=st.integers(0, 1))
        def prepare_a_replan(self, later: int) -> jobs.PreparedPlan | None:
            """The job searches on a snapshot; the state may change before it applies (next rule)."""
            request = PlanCreate(date=tomorrow() + timedelta(days=later), time_limit_s=0.5)
            _, new = self.service.plan_jobs.create("platform", request, self.now)
            return jobs.prepare_plan(self.service, self.started.pop()) if new else None  # one job per day

        @rule(plan=consumes(prepared))
        def apply_the_prepared_replan(self, plan: jobs.PreparedPlan | None) -> None:
            if plan is not None:
                jobs.apply_plan(self.service, plan)

        @rule()
        def replan_in_the_background(self) -> None:
            for job_id in self.service.plan_jobs.background(self.now):
                self.service.plan_jobs.start(job_id)
            self._run_started()

        @rule(per_depot=st.integers(0, 2))
        def change_the_fleet(self, per_depot: int) -> None:
            self.service = self._service(per_depot)
            self.service.fleet.reconcile(self.now)
            self.done = None

        @rule(address=st.sampled_from(ADDRESSES), point=st.integers(0, 2))
        def register_a_dropoff(self, address: tuple[float, float], point: int) -> None:
            quote = self.service.quotes.quote(
                "platform",
                QuoteCreate(
                    origin=LatLon(lat=address[0], lon=address[1]),
                    parcels=[ParcelIn(weight_g=900, volume_cm3=4000)],
                    category="apparel",
                    reason="size_or_fit",
                    merchant_id="m-1",
                ),
                self.now,
            )
            points = [o.point_id for o in quote.options if o.method == "drop_off" and o.point_id]
            with contextlib.suppress(ConflictError):  # no center with room: nothing changed
                body = DropOffCreate(quote_id=quote.quote_id, point_id=points[point % len(points)])
                self.service.dropoffs.register("platform", body, None, self.now)

        @rule()
        def reassign(self) -> None:
            done = self.service.centers.reassign(self.now)
            assert done.cost_after_cents <= done.cost_before_cents

        @rule(pickup=pickups, failed=st.booleans())
        def report(self, pickup: str, failed: bool) -> None:
            if pickup == "pk_none":
                return
            return_id = self.service.bookings.get("platform", pickup).return_id
            assert return_id is not None
            event = EventCreate(
                event_id=f"e-{next(_databases)}",
                type="pickup_failed" if failed else "picked_up",
                at=self.now,
                reason="not_home" if failed else None,
            )
            with contextlib.suppress(ConflictError):  # refused by the journey: nothing changes
                self.service.events.post("ops", return_id, event, self.now)

        @invariant()
        def picked_up_stops_stay_first_in_their_order(self) -> None:
            plans = DayPlans(self.store, self.service.region, self.service.desk.planner.empty_plan())
            found: dict[date, dict[str, list[str]]] = {}
            for day in (tomorrow(), tomorrow() + timedelta(days=1)):
                plan = plans.read(day)
                for courier, prefix in (self.done or {}).get(day, {}).items():
                    ids = [stop.booking_id for stop in plan.routes[courier].stops]
                    kept = [b for b in prefix if b in ids]  # a passed-by stop may be cancelled or fail
                    assert ids[: len(kept)] == kept, f"{courier} on {day}: {ids} lost its done prefix {kept}"
                found[day] = plan.done_prefixes()
            self.done = found

        @invariant()
        def every_return_is_where_its_events_put_it(self) -> None:
            assert journey_violations(self.service) == []

        @invariant()
        def every_booked_pickup_is_in_exactly_one_route_in_its_slot(self) -> None:
            assert violations(self.service) == []

        @invariant()
        def every_center_day_count_is_its_returns_and_within_capacity(self) -> None:
            assert center_day_violations(self.service) == []

    return Bookings


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_booking_invariant_holds_after_every_step(kind: str, tmp_path: Path) -> None:
    if kind == "postgresql" and not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must test PostgreSQL: BACKHAUL_TEST_POSTGRES_URL is not set")
        pytest.skip("BACKHAUL_TEST_POSTGRES_URL is not set (.ci/run sets it)")
    run_state_machine_as_test(
        _machine(kind, tmp_path),
        settings=settings(
            max_examples=RUNS,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
