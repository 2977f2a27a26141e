"""Fleet changes: the routes of couriers who left the fleet are re-planned, never silently dropped."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete, select

from api.services.context import ServiceContext
from api.tables import BookingRow, DayRouteRow
from optimizer.live import LiveRoute

log = logging.getLogger("backhaul.fleet")


class FleetChanges:
    """Reconcile the stored day plans with the fleet this server runs."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def reconcile(self, now: datetime) -> list[str]:
        """Re-insert every booked stop of a courier no longer in the fleet; return those that fit nowhere.

        For each day from today on with a route of such a courier: the day is locked, each of its
        stops is inserted into the current fleet's routes in its booked slot (cheapest feasible
        insertion), the old route is deleted, and a booking no courier can take is marked
        `displaced` and logged, all in one transaction per day. Run at start-up, before serving.
        """
        context, planner = self.context, self.context.desk.planner
        fleet = set(planner.courier_index)
        region = DayRouteRow.region == context.region
        with context.store.read() as session:
            days = session.execute(
                select(DayRouteRow.day).where(region, DayRouteRow.day >= context.today(now)).distinct()
            ).scalars()
            stale_days = sorted(
                day
                for day in days
                if set(session.execute(select(DayRouteRow.courier_id).where(region, DayRouteRow.day == day)).scalars())
                - fleet
            )
        displaced: list[str] = []
        for day in stale_days:
            saved = None
            with context.store.write() as session:
                locked = context.plans.lock(session, day)
                stale = [
                    LiveRoute.from_json(courier, route)
                    for courier, route in session.execute(
                        select(DayRouteRow.courier_id, DayRouteRow.route).where(region, DayRouteRow.day == day)
                    )
                    if courier not in fleet
                ]
                plan = locked.plan
                for stop in (stop for route in stale for stop in route.stops):
                    booking = session.get(BookingRow, stop.booking_id, with_for_update=True)
                    if booking is None or booking.status != "booked" or booking.day != day:
                        continue
                    pickup = planner.new_pickup(stop)
                    (option,) = planner.options(plan, pickup, [stop.window])
                    if option is None:
                        booking.status, booking.updated_at = "displaced", now
                        displaced.append(booking.id)
                        continue
                    plan = planner.insert(plan, stop.booking_id, pickup, option)
                session.execute(
                    delete(DayRouteRow).where(
                        region, DayRouteRow.day == day, DayRouteRow.courier_id.in_([r.courier_id for r in stale])
                    )
                )
                saved = context.plans.save(session, locked, plan)
            context.plans.remember(saved)
        if displaced:
            log.warning("fleet change: %d bookings fit no courier and are displaced: %s", len(displaced), displaced)
        return displaced
