"""A booking is priced before it takes the day's lock; under the lock it only checks and writes.

Each test interleaves another booking between the pricing and the lock (the booking is handed the
plan as it was committed before the other one), then checks the booking invariant from what is
stored (`tests/api/invariant.py`): a stale price never oversells a route or loses a pickup.
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from api.day_plans import DayPlans, LockedDay, Saved
from api.errors import ConflictError
from api.services import Service
from api.store import Store
from tests.api.api_client import book, settings, slot, tomorrow
from tests.api.invariant import violations

NEAR_D1 = (31.2350, 121.4765)
"""Addresses by the region's two depots (one courier each in these tests)."""
NEAR_D2 = (31.2276, 121.4688)


def _book(service: Service, at: tuple[float, float], offset: int = 0) -> str:
    return book(service, slot(11), at[0] + 0.0001 * offset, at[1])


def _courier(service: Service, pickup_id: str) -> str:
    placed = service.desk.planner.placed(service.current_plan(tomorrow()), pickup_id)
    assert placed is not None
    return placed[0]


class _Interleaved:
    """Books with the plan committed before another booking went in, and notes what the lock found."""

    def __init__(self, service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
        self.service, self.plans, self.monkeypatch = service, service.plans, monkeypatch
        self.found: list[LockedDay] = []

    def book(self, at: tuple[float, float], other_at: tuple[float, float]) -> tuple[Saved, str, str | None]:
        """The stale plan, the other booking (made after it was read) and this one (None if refused)."""
        stale = self.plans.committed(tomorrow())
        other = _book(self.service, other_at, offset=1)
        lock = self.plans.lock_as_priced

        def spied(session: Session, priced: Saved, courier: str | None) -> LockedDay:
            held = lock(session, priced, courier)
            self.found.append(held)
            return held

        with self.monkeypatch.context() as patch:
            patch.setattr(self.plans, "committed", lambda _day: stale)
            patch.setattr(self.plans, "lock_as_priced", spied)
            try:
                return stale, other, _book(self.service, at, offset=2)
            except ConflictError:
                return stale, other, None


def test_a_route_changed_since_pricing_is_priced_again_under_the_lock(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # one courier per depot, 2 parcels each: the other booking fills the route the stale plan still has room on
    service = Service(settings(store.url, vehicle_parcels=2), store)
    first = _book(service, NEAR_D1)
    interleaved = _Interleaved(service, monkeypatch)
    stale, other, late = interleaved.book(NEAR_D1, other_at=NEAR_D1)
    full = _courier(service, first)
    assert _courier(service, other) == full  # the route the stale plan offered is full now
    (held,) = interleaved.found
    assert held.complete
    assert held.plan is not stale.plan
    assert late is None or _courier(service, late) != full
    plan = service.current_plan(tomorrow())
    assert sorted(s.booking_id for r in plan.routes.values() for s in r.stops) == sorted(
        b for b in (first, other, late) if b
    )
    assert violations(service) == []


def test_a_route_unchanged_since_pricing_keeps_its_price_and_the_plan_is_not_cached_whole(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = Service(settings(store.url, vehicle_parcels=20), store)
    interleaved = _Interleaved(service, monkeypatch)
    stale, other, late = interleaved.book(NEAR_D1, other_at=NEAR_D2)
    assert late is not None
    assert _courier(service, late) != _courier(service, other)
    (held,) = interleaved.found
    assert not held.complete
    assert held.plan is stale.plan
    fresh = DayPlans(store, service.region, service.desk.planner.empty_plan()).read(tomorrow())
    assert service.current_plan(tomorrow()) == fresh  # the partly known plan was written, never cached
    assert fresh.booking_ids() == {late, other}
    assert violations(service) == []


def test_one_booking_is_timed_as_the_whole_schedule_times_it(store: Store) -> None:
    service = Service(settings(store.url, couriers_per_depot=2, vehicle_parcels=20), store)
    booked = [_book(service, NEAR_D1 if k % 2 else NEAR_D2, offset=k) for k in range(8)]
    plan = service.current_plan(tomorrow())
    schedule = service.desk.planner.schedule(plan)
    assert {b: service.desk.planner.placed(plan, b) for b in booked} == {b: schedule[b] for b in booked}
    assert service.desk.planner.placed(plan, "pk_unknown") is None
