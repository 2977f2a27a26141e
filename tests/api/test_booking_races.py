"""Regression tests named after the review's findings on cancel, reschedule, plan jobs and fleet changes.

Each one checks the booking invariant (`tests/api/invariant.py`) from what is stored.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from threading import Barrier

import pytest

from api import jobs
from api.errors import ConflictError
from api.schemas import EventCreate, PlanCreate
from api.services import Service
from api.store import Store
from optimizer.live import DayPlan
from tests.api.api_client import book, settings as service_settings, slot, tomorrow
from tests.api.invariant import violations

ROUNDS = 12


def service_on(store: Store, started: list[str] | None = None, **settings: object) -> Service:
    """A service on the shared store; plan jobs it starts are only noted in `started`."""
    run_job = started.append if started is not None else None
    options = {"couriers_per_depot": 2, **settings}
    return Service(service_settings(store.url, **options), store, run_job=run_job)


@pytest.fixture
def service(store: Store) -> Service:
    return service_on(store)


def shrunk(store: Store, hour: Callable[[int], int]) -> tuple[Service, list[str]]:
    """24 pickups booked (those that fit) with 3 couriers per depot; then the same store with 1."""
    large, booked = service_on(store, couriers_per_depot=3), []
    for k in range(24):
        with contextlib.suppress(ConflictError):
            booked.append(_book(large, hour=hour(k), lat=31.2290 + k * 0.0002))
    return service_on(store, couriers_per_depot=1), booked


def _book(service: Service, hour: int = 11, day_offset: int = 0, lat: float = 31.2304) -> str:
    return book(service, slot(hour, tomorrow() + timedelta(days=day_offset)), lat)


def _at_once(*calls: Callable[[], object]) -> list[object]:
    """Run the calls in threads released together; exceptions are returned, not raised."""
    start = Barrier(len(calls))

    def run(call: Callable[[], object]) -> object:
        start.wait()
        try:
            return call()
        except ConflictError as refused:
            return refused

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_two_reschedules_of_one_pickup_leave_it_in_exactly_one_day_plan(service: Service) -> None:
    now = datetime.now(UTC)
    for k in range(ROUNDS):
        pickup = _book(service, lat=31.2304 + k * 0.0001)
        _at_once(
            partial(service.bookings.reschedule, "platform", pickup, slot(13), now),
            partial(service.bookings.reschedule, "platform", pickup, slot(15, tomorrow() + timedelta(days=1)), now),
        )
    assert violations(service) == []


def test_a_reschedule_racing_a_cancel_leaves_no_cancelled_pickup_on_a_route(service: Service) -> None:
    now = datetime.now(UTC)
    for k in range(ROUNDS):
        pickup = _book(service, lat=31.2304 + k * 0.0001)
        _at_once(
            partial(service.bookings.reschedule, "platform", pickup, slot(15, tomorrow() + timedelta(days=1)), now),
            partial(service.bookings.cancel, "platform", pickup, now),
        )
    assert violations(service) == []


def test_a_plan_job_never_undoes_a_reschedule_within_the_day(store: Store) -> None:
    started: list[str] = []
    service = service_on(store, started)
    now = datetime.now(UTC)
    pickups = [_book(service, hour=11, lat=31.2304 + k * 0.0003) for k in range(4)]
    service.plan_jobs.create("platform", PlanCreate(date=tomorrow(), time_limit_s=0.5), now)
    prepared = jobs.prepare_plan(service, started.pop())  # searched on the snapshot: pickup 0 at 11:00
    moved = service.bookings.reschedule("platform", pickups[0], slot(17), now)
    assert prepared is not None
    jobs.apply_plan(service, prepared)
    assert violations(service) == []
    shown = service.bookings.get("platform", pickups[0])
    assert shown.slot_id == moved.slot_id == slot(17)
    assert shown.courier_id is not None


def test_cancel_and_reschedule_respect_the_current_slots_cut_off(service: Service) -> None:
    pickup = _book(service, hour=11)
    shown = service.bookings.get("platform", pickup)
    after_cut_off = shown.slot_end - timedelta(minutes=30)  # the slot closes an hour before it ends
    with pytest.raises(ConflictError, match="has closed"):
        service.bookings.cancel("platform", pickup, after_cut_off)
    with pytest.raises(ConflictError, match="has closed"):
        service.bookings.reschedule("platform", pickup, slot(15, tomorrow() + timedelta(days=1)), after_cut_off)
    assert service.bookings.get("platform", pickup).status == "booked"
    assert violations(service) == []


def test_shrinking_the_fleet_reinserts_or_reports_every_displaced_booking(store: Store) -> None:
    now = datetime.now(UTC)
    small, booked = shrunk(store, lambda k: 9 + 2 * (k % 6))
    displaced = small.fleet.reconcile(now)
    assert violations(small) == [], "every booking is on a route of the new fleet, or displaced"
    states = {pickup: small.bookings.get("platform", pickup).status for pickup in booked}
    assert sorted(p for p, state in states.items() if state == "displaced") == sorted(displaced)
    assert all(state in {"booked", "displaced"} for state in states.values())
    assert len(displaced) < len(booked), "the fleet that is left takes what it can"
    assert small.fleet.reconcile(now) == [], "a second start finds nothing to move"


def test_a_displaced_pickup_can_be_rebooked_or_cancelled(store: Store) -> None:
    """The docs promised a displaced pickup a new slot; reschedule refused every pickup not `booked`."""
    now = datetime.now(UTC)
    small, _ = shrunk(store, lambda _k: 11)
    first, second = small.fleet.reconcile(now)[:2]
    moved = small.bookings.reschedule("platform", first, slot(15, tomorrow() + timedelta(days=1)), now)
    assert moved.status == "booked"
    assert moved.courier_id is not None
    assert small.bookings.cancel("platform", second, now).status == "cancelled"
    assert violations(small) == []


def test_the_background_replan_queues_nothing_when_nothing_changed(store: Store) -> None:
    started: list[str] = []
    service = service_on(store, started, couriers_per_depot=1, background_plan_time_limit_s=0.5)
    now = datetime.now(UTC)
    for k in range(3):
        _book(service, hour=9 + 4 * k, lat=31.2300 + k * 0.0004)
    rounds = []
    for _ in range(4):
        queued = service.plan_jobs.background(now)
        rounds.append(len(queued))
        for job_id in queued:
            jobs.run_job(service, job_id)
    assert rounds[0] == 1, "the changed day is re-planned"
    assert rounds[-2:] == [0, 0], "a day nobody changed is not re-planned again and again"
    assert violations(service) == []


def test_a_replan_prepared_before_a_fleet_change_is_superseded_not_applied(store: Store) -> None:
    """Found by the stateful test: a plan searched for the old fleet must not bring its couriers back."""
    started: list[str] = []
    service = service_on(store, started)
    now = datetime.now(UTC)
    pickup = _book(service, hour=11)
    job, _ = service.plan_jobs.create("ops", PlanCreate(date=tomorrow(), time_limit_s=0.5), now)
    prepared = jobs.prepare_plan(service, started.pop())
    assert prepared is not None
    smaller = service_on(store, started, couriers_per_depot=1)
    smaller.fleet.reconcile(now)
    jobs.apply_plan(smaller, prepared)
    assert smaller.plan_jobs.get(job.id, now).status == "superseded"
    assert violations(smaller) == []
    assert smaller.bookings.get("platform", pickup).courier_id in set(smaller.current_plan(tomorrow()).routes)


def _pick_up(service: Service, pickup: str) -> None:
    """The courier reports the pickup done."""
    return_id = service.bookings.get("platform", pickup).return_id
    assert return_id is not None
    now = datetime.now(UTC)
    service.events.post("ops", return_id, EventCreate(event_id=f"up-{pickup}", type="picked_up", at=now), now)


def _route_of(service: Service, pickup: str) -> tuple[str, list[str]]:
    plan = service.current_plan(tomorrow())
    return next(
        (courier, [s.booking_id for s in route.stops])
        for courier, route in plan.routes.items()
        if pickup in [s.booking_id for s in route.stops]
    )


def test_nothing_is_booked_before_a_stop_already_picked_up(service: Service) -> None:
    late = _book(service, hour=13)
    _pick_up(service, late)
    early = _book(service, hour=9)  # the same address, earlier: it would go first, were the stop not done
    courier, stops = _route_of(service, late)
    assert stops.index(late) == 0
    assert _route_of(service, early) != (courier, [early, late])
    assert violations(service) == []


def test_a_failed_pickup_locks_the_stops_the_courier_has_passed(service: Service) -> None:
    first, second = _book(service, hour=9), _book(service, hour=11, lat=31.2310)
    courier, stops = _route_of(service, second)
    assert stops == [first, second]
    return_id = service.bookings.get("platform", second).return_id
    assert return_id is not None
    now = datetime.now(UTC)
    event = EventCreate(event_id="not-home", type="pickup_failed", at=now, reason="not_home")
    service.events.post("ops", return_id, event, now)
    assert service.current_plan(tomorrow()).done_prefixes() == {courier: [first]}  # it was at `second`: past `first`
    early = _book(service, hour=9, lat=31.2305)  # next to the first, in its slot: it would go before it
    where, after = _route_of(service, early)
    assert where != courier or after.index(early) > after.index(first)
    assert violations(service) == []


def test_a_replan_keeps_the_stops_picked_up_while_it_searched(store: Store) -> None:
    started: list[str] = []
    service = service_on(store, started, couriers_per_depot=1)
    now = datetime.now(UTC)
    for k, hour in enumerate([9, 9, 11, 11, 13, 13, 15, 15]):
        _book(service, hour=hour, lat=31.2290 + k * 0.0002)
    routes = (_route_of(service, p) for p in service.current_plan(tomorrow()).booking_ids())
    courier, stops = max(routes, key=lambda route: len(route[1]))
    assert len(stops) >= 3
    _pick_up(service, stops[0])
    service.plan_jobs.create("ops", PlanCreate(date=tomorrow(), time_limit_s=0.5), now)
    prepared = jobs.prepare_plan(service, started.pop())  # the search locked the first stop only
    assert prepared is not None
    _pick_up(service, stops[1])  # meanwhile the courier picked up its second
    jobs.apply_plan(service, prepared)
    route = service.current_plan(tomorrow()).routes[courier]
    assert [s.booking_id for s in route.stops][:2] == stops[:2]
    assert [s.done for s in route.stops][:2] == [True, True]
    assert violations(service) == []

    # a plan that puts the courier's done stops in another order is never applied
    snapshot = service.current_plan(tomorrow())
    head, second, *rest = snapshot.routes[courier].stops
    reordered = DayPlan({**snapshot.routes, courier: replace(snapshot.routes[courier], stops=(second, head, *rest))})
    again, _ = service.plan_jobs.create("ops", PlanCreate(date=tomorrow(), time_limit_s=0.5), now)
    jobs.apply_plan(service, jobs.PreparedPlan(again.id, tomorrow(), snapshot, reordered, True, {}))
    assert service.plan_jobs.get(again.id, now).status == "superseded"
    assert [s.booking_id for s in service.current_plan(tomorrow()).routes[courier].stops][:2] == stops[:2]
