"""Re-optimising a day: a job that runs in its own process and applies its plan only if it is safe.

The job reads the day's bookings and live plan, keeps every stop that should already be done as
a locked prefix, and searches with the live plan as the warm start. Its plan is applied only if it
serves every booking in its slot (checked by the independent validator) and costs less. Bookings
made while it searched are inserted into the new plan; if one no longer fits, the new plan is
dropped (`superseded`) and the live plan stays: a promised slot is never broken.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from api.config import Settings
from api.services import Service
from api.store import BookingRow, PlanJobRow, Store
from optimizer.domain import Location, Parcel, PickupRequest, TimeWindow
from optimizer.live import DayPlan, LiveStop, booked_request, plan_from_result, plan_problem, plan_result
from optimizer.routing import solve, validate

log = logging.getLogger("backhaul.jobs")
_services: dict[str, Service] = {}


def _service(settings_json: str) -> Service:
    """One service per job process and settings (the region and matrices load once)."""
    if settings_json not in _services:
        settings = Settings.model_validate_json(settings_json)
        _services[settings_json] = Service(settings, Store(settings.database_url))
    return _services[settings_json]


def _finish(store: Store, job_id: str, status: str, detail: str, result: dict[str, Any] | None = None) -> None:
    with store.write() as session:
        job = session.get(PlanJobRow, job_id)
        if job is not None:
            job.status, job.detail, job.result = status, detail[:500], result
            job.finished_at = datetime.now(UTC)


def _requests(rows: list[BookingRow], stops: dict[str, LiveStop]) -> list[PickupRequest]:
    """The booked pickups as routing requests: where the booking is, what it holds, its stop in the plan."""
    return [
        booked_request(
            stops[row.id],
            Location(row.lat, row.lon),
            TimeWindow(row.slot_start_s, row.slot_end_s),
            [Parcel(p["weight_g"], p["volume_cm3"], p.get("count", 1)) for p in row.parcels],
        )
        for row in rows
    ]


def run_plan_job(settings_json: str, job_id: str) -> None:
    """Entry point in the job process: never raises (the job row records what happened)."""
    service = _service(settings_json)
    store = service.store
    try:
        _run(service, job_id)
    except Exception as error:  # a job must end with a status, whatever went wrong
        log.exception("plan job %s failed", job_id)
        _finish(store, job_id, "failed", f"{type(error).__name__}: {error}")


def _run(service: Service, job_id: str) -> None:
    store, planner = service.store, service.desk.planner
    with store.write() as session:
        job = session.get(PlanJobRow, job_id)
        assert job is not None
        job.status = "running"
        day, limit = job.day, job.time_limit_s
    plan = service.plans.read(day)
    if not plan.booking_ids():
        _finish(store, job_id, "done", "no bookings that day")
        return
    with store.read() as session:
        bookings = session.execute(select(BookingRow).where(BookingRow.id.in_(plan.booking_ids()))).scalars().all()
    stops = {s.booking_id: s for route in plan.routes.values() for s in route.stops}
    requests = _requests(list(bookings), stops)
    now = datetime.now(UTC)
    done = _done_prefixes(service, plan, day, now)
    problem = plan_problem(planner, plan, requests, locked=done)
    before = plan_result(problem, plan).cost.total_cents
    result = solve(problem, time_limit_s=limit)
    problems = validate(problem, result)
    if result.unassigned or problems:
        _finish(store, job_id, "failed", f"kept the live plan: {len(result.unassigned)} left out, {problems[:2]}")
        return
    after = result.cost.total_cents
    better = plan_from_result(planner, problem, result, stops) if after < before else plan
    summary: dict[str, Any] = {"cost_before_cents": before, "cost_after_cents": min(after, before)}
    saved = None
    with store.write() as session:
        locked = service.plans.lock(session, day)
        merged = better if locked.plan is plan else _merge(service, better, locked.plan)
        if merged is None:
            status, detail = "superseded", "bookings made meanwhile did not fit the new plan; the live plan stays"
        else:
            saved = service.plans.save(session, locked, merged)
            status, detail = "done", "applied" if after < before else "the live plan was already as good"
            summary["routes"] = _routes(service, merged, day)
    if saved is not None:
        service.plans.remember(saved)
    _finish(store, job_id, status, detail, summary)


def _done_prefixes(service: Service, plan: DayPlan, day: date, now: datetime) -> dict[str, list[str]]:
    """Per courier, the stops whose service should have started by now: they stay first, in order."""
    schedule = service.desk.planner.schedule(plan)
    done: dict[str, list[str]] = {}
    for courier, route in plan.routes.items():
        prefix = []
        for stop in route.stops:
            if service.desk.local_time(day, schedule[stop.booking_id][1]) > now:
                break
            prefix.append(stop.booking_id)
        if prefix:
            done[courier] = prefix
    return done


def _merge(service: Service, better: DayPlan, current: DayPlan) -> DayPlan | None:
    """`better` with the bookings made or cancelled since it was computed; None if one does not fit."""
    planner = service.desk.planner
    merged = better
    for gone in better.booking_ids() - current.booking_ids():
        merged = planner.remove(merged, gone)
    new = current.booking_ids() - better.booking_ids()
    stops = {s.booking_id: s for route in current.routes.values() for s in route.stops}
    for booking_id in sorted(new):
        stop = stops[booking_id]
        pickup = planner.new_pickup(stop)
        (option,) = planner.options(merged, pickup, [stop.window])
        if option is None:
            return None
        merged = planner.insert(merged, booking_id, pickup, option)
    return merged


def _routes(service: Service, plan: DayPlan, day: date) -> list[dict[str, Any]]:
    schedule = service.desk.planner.schedule(plan)
    return [
        {
            "courier_id": courier,
            "stops": [
                {
                    "pickup_id": s.booking_id,
                    "service_start": service.desk.local_time(day, schedule[s.booking_id][1]).isoformat(),
                }
                for s in route.stops
            ],
        }
        for courier, route in plan.routes.items()
        if route.stops
    ]
