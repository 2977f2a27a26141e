"""The booking invariant, checked from what is stored (no worker cache):

every `booked` pickup is in exactly one route of its day, in its current slot, and a `picked_up` one
in at most one (its courier may leave the fleet after the fact); no other pickup (cancelled,
displaced, failed, moved to another day, unknown) is in any route; every day plan
passes the independent validator. Every center-day count is exactly the returns that hold it (every
pickup but a cancelled one, drop-offs), and within the center-day's capacity. Every return's status
is what its log of events replays to.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import select

from api.day_plans import DayPlans
from api.jobs import booked_requests
from api.journey import EventType, Status, replay
from api.services import Service
from api.tables import BookingRow, CenterDayRow, DayPlanRow, DropOffRow, ReturnEventRow, ReturnRow
from optimizer.assignment.center_days import TOTAL
from optimizer.domain import TimeWindow
from optimizer.live import plan_problem, plan_result
from optimizer.routing import validate

ON_ROUTE = ("booked", "picked_up")


def violations(service: Service) -> list[str]:
    """What breaks the invariant, one line each (empty: it holds)."""
    store, region = service.store, service.region
    with store.read() as session:
        rows = {row.id: row for row in session.execute(select(BookingRow).where(BookingRow.region == region)).scalars()}
        days = set(session.execute(select(DayPlanRow.day).where(DayPlanRow.region == region)).scalars())
    stored = DayPlans(store, region, service.desk.planner.empty_plan())  # a fresh reader: nothing cached
    found: list[str] = []
    for day in sorted(days | {row.day for row in rows.values()}):
        plan = stored.read(day)
        stops = {stop.booking_id: stop for route in plan.routes.values() for stop in route.stops}
        seen = Counter(stop.booking_id for route in plan.routes.values() for stop in route.stops)
        found += [f"{day}: {b} is in {n} routes" for b, n in seen.items() if n > 1]
        for booking_id, stop in stops.items():
            row = rows.get(booking_id)
            if row is None or row.status not in ON_ROUTE or row.day != day:
                state = "unknown" if row is None else f"{row.status} on {row.day}"
                found.append(f"{day}: {booking_id} is on a route but {state}")
            elif stop.window != TimeWindow(row.slot_start_s, row.slot_end_s):
                found.append(
                    f"{day}: {booking_id} is routed in {stop.window}, booked in {row.slot_start_s}-{row.slot_end_s}"
                )
        routed = [row for row in rows.values() if row.status in ON_ROUTE and row.day == day]
        found += [
            f"{day}: booked {row.id} is on no route" for row in routed if row.status == "booked" and row.id not in stops
        ]
        requests = booked_requests([row for row in routed if row.id in stops], stops)
        if stops and len(requests) == len(stops):
            problem = plan_problem(service.desk.planner, plan, requests)
            found += [f"{day}: {problem}" for problem in validate(problem, plan_result(problem, plan))]
    return found


def center_day_violations(service: Service) -> list[str]:
    """Center-day counts that differ from the returns holding them, or exceed the capacity."""
    capacity = service.centers.capacity
    centers = {center.id: center for center in capacity.centers}
    with service.store.read() as session:
        counted = {
            (row.center_id, row.day, row.category): row.used
            for row in session.execute(select(CenterDayRow).where(CenterDayRow.region == service.region)).scalars()
        }
        holding = BookingRow.status != "cancelled"
        pickups = session.execute(select(BookingRow).where(holding)).scalars().all()
        dropoffs = session.execute(select(DropOffRow)).scalars().all()
    held: Counter[tuple[str, date, str]] = Counter()
    places = [(r.center_id, r.processing_date, r.category) for r in pickups]
    places += [(r.center_id, r.processing_date, r.category) for r in dropoffs]
    for center_id, day, category in places:
        if center_id is not None and day is not None:
            held[center_id, day, category] += 1
            held[center_id, day, TOTAL] += 1
    found = [
        f"{key}: counted {counted.get(key, 0)}, held by {n}" for key, n in held.items() if counted.get(key, 0) != n
    ]
    found += [f"{key}: counted {n}, held by none" for key, n in counted.items() if n and key not in held]
    for (center_id, day, category), n in counted.items():
        limit = capacity.limit(centers[center_id], category, day)
        if limit is not None and n > limit:
            found.append(f"{center_id} {day} {category}: {n} over the capacity {limit}")
    return found


def journey_violations(service: Service) -> list[str]:
    """Returns whose stored status is not what their log replays to (from how they came back)."""
    with service.store.read() as session:
        returns = session.execute(select(ReturnRow)).scalars().all()
        logs: dict[str, list[EventType]] = {}
        for event in session.execute(select(ReturnEventRow).order_by(ReturnEventRow.seq)).scalars():
            logs.setdefault(event.return_id, []).append(EventType(event.type))
    found = []
    attempts = service.settings.max_pickup_attempts
    for row in returns:
        start = Status.PICKUP_BOOKED if row.method == "pickup" else Status.DROP_OFF_REGISTERED
        replayed = replay(start, logs.get(row.return_id, []), max_attempts=attempts)
        if replayed != row.status:
            found.append(f"{row.return_id}: stored {row.status}, its log replays to {replayed}")
    return found
