"""Re-optimising a day: a job that runs in its own process and applies its plan only if it is safe.

The job reads the day's bookings and live plan, keeps each courier's stops up to its last
picked-up one (from the events, never from estimated times) as a locked prefix, and searches with
the live plan as the warm start. Its plan is applied only if it
serves every booking in its slot (checked by the independent validator) and costs less. Bookings
made while it searched are inserted into the new plan; if one no longer fits, the new plan is
dropped (`superseded`) and the live plan stays: a promised slot is never broken.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from api.config import Settings
from api.services import Service
from api.store import Store
from api.tables import BookingRow, PlanJobRow
from optimizer.domain import Location, Parcel, PickupRequest, TimeWindow
from optimizer.live import DayPlan, LiveStop, booked_request, plan_from_result, plan_problem, plan_result
from optimizer.routing import solve, validate

log = logging.getLogger("backhaul.jobs")
_services: dict[str, Service] = {}


def _service(settings_json: str) -> Service:
    """One service per job process and settings (the region and matrices load once)."""
    if settings_json not in _services:
        settings = Settings.model_validate_json(settings_json)
        _services[settings_json] = Service(settings, Store.of(settings))
    return _services[settings_json]


def _finish(
    store: Store,
    job_id: str,
    status: str,
    detail: str,
    result: dict[str, Any] | None = None,
    code: str | None = None,
) -> None:
    with store.write() as session:
        job = session.get(PlanJobRow, job_id)
        if job is not None:
            job.status, job.detail, job.result, job.code = status, detail[:500], result, code
            job.finished_at = datetime.now(UTC)


def booked_requests(rows: Sequence[BookingRow], stops: Mapping[str, LiveStop]) -> list[PickupRequest]:
    """The booked pickups as routing requests: where the booking is, what it holds, its stop in the plan."""
    return [
        booked_request(
            stops[row.id],
            Location(row.lat, row.lon),
            TimeWindow(row.slot_start_s, row.slot_end_s),
            [_parcel(p) for p in row.parcels],
            [_parcel(p) for p in row.delivery_parcels or []],
        )
        for row in rows
    ]


def _parcel(line: Mapping[str, Any]) -> Parcel:
    return Parcel(line["weight_g"], line["volume_cm3"], line.get("count", 1))


def run_plan_job(settings_json: str, job_id: str) -> None:
    """Entry point in the job process: never raises (the job row records what happened)."""
    service = _service(settings_json)
    store = service.store
    try:
        run_job(service, job_id)
    except Exception:  # a job must end with a status, whatever went wrong
        log.exception("plan job %s failed", job_id)
        _finish(store, job_id, "failed", "the job failed; the live plan is unchanged", code="job_failed")


@dataclass(frozen=True)
class PreparedPlan:
    """A job's better plan, computed on a snapshot of the day; `apply_plan` merges it under the lock."""

    job_id: str
    day: date
    snapshot: DayPlan
    better: DayPlan
    improved: bool
    summary: dict[str, Any]


def run_job(service: Service, job_id: str) -> None:
    """Run a queued job in this process: re-optimise its day and apply the plan only if it is safe."""
    prepared = prepare_plan(service, job_id)
    if prepared is not None:
        apply_plan(service, prepared)


def prepare_plan(service: Service, job_id: str) -> PreparedPlan | None:
    """Search a better plan for the job's day from a snapshot (no lock held); None when the job ended here."""
    store, planner = service.store, service.desk.planner
    with store.write() as session:
        job = session.get(PlanJobRow, job_id)
        assert job is not None
        job.status = "running"
        day, limit = job.day, job.time_limit_s
    plan = service.plans.read(day)
    if not plan.booking_ids():
        _finish(store, job_id, "done", "no bookings that day")
        return None
    with store.read() as session:
        bookings = session.execute(select(BookingRow).where(BookingRow.id.in_(plan.booking_ids()))).scalars().all()
    stops = {s.booking_id: s for route in plan.routes.values() for s in route.stops}
    problem = plan_problem(planner, plan, booked_requests(list(bookings), stops), locked=plan.done_prefixes())
    before = plan_result(problem, plan).cost.total_cents
    result = solve(problem, time_limit_s=limit)
    problems = validate(problem, result)
    if result.unassigned or problems:
        log.warning("plan job %s: %d left out, %s", job_id, len(result.unassigned), problems[:2])
        detail = f"kept the live plan: the search left {len(result.unassigned)} out or broke a promise"
        _finish(store, job_id, "failed", detail, code="plan_incomplete")
        return None
    after = result.cost.total_cents
    improved = after < before
    better = plan_from_result(planner, problem, result, stops) if improved else plan
    summary: dict[str, Any] = {"cost_before_cents": before, "cost_after_cents": min(after, before)}
    return PreparedPlan(job_id, day, plan, better, improved, summary)


def apply_plan(service: Service, prepared: PreparedPlan) -> None:
    """Lock the day and apply the prepared plan merged with whatever changed since its snapshot.

    Decided under the lock: the stops picked up by now are those of the plan locked in the
    transaction that writes it, and a plan that does not keep each courier's stops up to its last
    picked-up one first, in their order, is dropped.
    """
    saved = None
    summary = dict(prepared.summary)
    with service.store.write() as session:
        locked = service.plans.lock(session, prepared.day)
        current = locked.plan
        if set(prepared.better.routes) != set(current.routes):  # the fleet changed since the snapshot
            merged = None
        elif current is prepared.snapshot:
            merged = prepared.better
        else:
            merged = _merge(service, prepared.better, current)
        done = current.done_prefixes()
        if merged is not None and _keeps_done(done, merged):  # reported meanwhile: marked so in the new plan too
            merged = service.desk.planner.marked_as(merged, current)
        else:
            merged = None
        if merged is None:
            status, detail = "superseded", "the day changed meanwhile (bookings, events or fleet); the live plan stays"
        else:
            if merged.changed_routes(current):  # an unchanged plan keeps its version: nothing to re-plan next
                saved = service.plans.save(session, locked, merged)
            status, detail = "done", "applied" if prepared.improved else "the live plan was already as good"
            summary["routes"] = service.routes_of(merged, prepared.day)
    if saved is not None:
        service.plans.remember(saved)
    _finish(service.store, prepared.job_id, status, detail, summary)


def _keeps_done(done: Mapping[str, Sequence[str]], plan: DayPlan) -> bool:
    """Whether each courier's route in `plan` starts with its done stops, in order."""
    for courier, prefix in done.items():
        ids = [stop.booking_id for stop in plan.routes[courier].stops]
        if ids[: len(prefix)] != list(prefix):
            return False
    return True


def _merge(service: Service, better: DayPlan, current: DayPlan) -> DayPlan | None:
    """`better` brought up to date with the plan as locked now; None if a booking no longer fits.

    Stop by stop: a stop stays only if its booking is still on this day in the same slot. A booking
    cancelled or moved to another day leaves; one moved to another slot of the day, or booked
    meanwhile, is inserted again in the slot it holds now. So a re-plan never undoes a reschedule
    and never brings a cancelled pickup back.
    """
    planner = service.desk.planner
    now = {s.booking_id: s for route in current.routes.values() for s in route.stops}
    merged = better
    for route in better.routes.values():
        for stop in route.stops:
            held = now.get(stop.booking_id)
            if held is None or held.window != stop.window:
                merged = planner.remove(merged, stop.booking_id)
    for booking_id in sorted(set(now) - merged.booking_ids()):
        stop = now[booking_id]
        pickup = planner.new_pickup(stop)
        (option,) = planner.options(merged, pickup, [stop.window])
        if option is None:
            return None
        merged = planner.insert(merged, booking_id, pickup, option)
    return merged
