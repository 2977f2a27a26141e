"""Center capacity on the live path: every return reserves its place at a center for one processing day.

A reservation is made in the transaction that stores the return. It walks the return's (center,
day) options cheapest first (`optimizer.assignment.center_days`) and takes the first with room by
a conditional update (`used = used + 1 WHERE used < limit`) of the center-day's category row and
total row, inside a savepoint: a full row is never left locked, and both counts move together or
not at all. The update holds the row's lock until commit, so with any number of workers a
center-day is never over capacity. Quotes estimate the same choice from the committed counts.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from api.errors import ConflictError
from api.services.context import ServiceContext
from api.store import CenterDayRow
from optimizer.assignment import AssignmentProblem, ReturnBatch
from optimizer.assignment.center_days import TOTAL, CenterCapacity, CenterDayOption, center_day_options

PROCESSING_LAG_DAYS = 1
"""A return collected on day D (pickup or drop-off point) travels overnight: processed from D + 1."""
INSPECTION_AT_S = 12 * 3600
"""Returns are inspected by midday (local time) of their processing day."""
REFUND_AFTER = timedelta(days=1)
"""Refunds are paid a day after inspection."""


class _FullError(Exception):
    pass


class CenterReservations:
    """Reserve, release and estimate center-days for the region's returns."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        desk, settings = context.desk, context.settings
        centers = tuple(desk.region.sites.centers)
        empty = ReturnBatch((), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))
        self.problem = AssignmentProblem(
            desk.origins, desk.categories, centers, desk.haul_m, desk.region.line_haul, empty
        )
        self.capacity = CenterCapacity(centers, settings.capacity_overrides())

    def options(self, origin: int, category: str, weight_g: int, collected: date) -> list[CenterDayOption]:
        """The return's (center, day) options, cheapest first; it can be processed from the day after collection."""
        settings = self.context.settings
        first = collected + timedelta(days=PROCESSING_LAG_DAYS)
        return center_day_options(
            self.problem,
            origin,
            category,
            weight_g,
            first,
            settings.processing_horizon_days,
            settings.delay_cents_per_day,
        )

    def estimates(self, center_id: str | None, day: date | None, haul_m: int, leaves: datetime) -> dict[str, Any]:
        """The center, processing date and the arrival, inspection and refund estimates (the queue included)."""
        if center_id is None or day is None:
            return {"center_id": None, "processing_date": None}
        desk = self.context.desk
        inspected = desk.local_time(day, INSPECTION_AT_S)
        return {
            "center_id": center_id,
            "processing_date": day,
            "estimated_arrival_at_center": desk.arrival_at_center(leaves, haul_m),
            "estimated_inspection_at": inspected,
            "estimated_refund_at": inspected + REFUND_AFTER,
        }

    def option_estimates(self, option: CenterDayOption | None, leaves: datetime) -> dict[str, Any]:
        """`estimates` for an option (none: no center can take it)."""
        if option is None:
            return self.estimates(None, None, 0, leaves)
        return self.estimates(option.center.id, option.day, option.haul_m, leaves)

    def _limits(self, option: CenterDayOption, category: str) -> list[tuple[str, int | None]]:
        """The category row first, then the total: every reservation locks them in this order."""
        return [
            (category, self.capacity.limit(option.center, category, option.day)),
            (TOTAL, self.capacity.limit(option.center, TOTAL, option.day)),
        ]

    def estimate(self, origin: int, category: str, weight_g: int, collected: date) -> CenterDayOption | None:
        """Where and when the return would be processed if it were registered now (committed counts)."""
        options = self.options(origin, category, weight_g, collected)
        if not options:
            return None
        with self.context.store.read() as session:
            rows = session.execute(
                select(CenterDayRow).where(
                    CenterDayRow.region == self.context.region,
                    CenterDayRow.day.between(options[0].day, max(o.day for o in options)),
                    CenterDayRow.category.in_((category, TOTAL)),
                )
            ).scalars()
            used = {(r.center_id, r.day, r.category): r.used for r in rows}
        for option in options:
            held = {name: used.get((option.center.id, option.day, name), 0) for name in (category, TOTAL)}
            if all(limit is None or held[name] < limit for name, limit in self._limits(option, category)):
                return option
        return None

    def reserve(self, session: Session, origin: int, category: str, weight_g: int, collected: date) -> CenterDayOption:
        """Take the cheapest center-day with room, in the caller's transaction (409 when none has room)."""
        region = self.context.region
        for option in self.options(origin, category, weight_g, collected):
            try:
                with session.begin_nested():
                    for name, limit in self._limits(option, category):
                        self._ensure(session, option, name)
                        key = (
                            CenterDayRow.region == region,
                            CenterDayRow.center_id == option.center.id,
                            CenterDayRow.day == option.day,
                            CenterDayRow.category == name,
                        )
                        room = () if limit is None else (CenterDayRow.used < limit,)
                        taken = session.execute(
                            update(CenterDayRow).where(*key, *room).values(used=CenterDayRow.used + 1)
                        )
                        if getattr(taken, "rowcount", 0) != 1:
                            raise _FullError
            except _FullError:
                continue
            return option
        horizon = self.context.settings.processing_horizon_days
        raise ConflictError(
            f"no center that processes {category} has room within {horizon} days", code="no_center_capacity"
        )

    def _ensure(self, session: Session, option: CenterDayOption, category: str) -> None:
        insert = sqlite_insert if self.context.store.is_sqlite else pg_insert
        statement = insert(CenterDayRow).values(
            region=self.context.region, center_id=option.center.id, day=option.day, category=category, used=0
        )
        session.execute(statement.on_conflict_do_nothing())

    def release(self, session: Session, center_id: str, day: date, category: str) -> None:
        """Give a reservation back (a cancelled or moved return), in the caller's transaction."""
        for name in (category, TOTAL):
            session.execute(
                update(CenterDayRow)
                .where(
                    CenterDayRow.region == self.context.region,
                    CenterDayRow.center_id == center_id,
                    CenterDayRow.day == day,
                    CenterDayRow.category == name,
                    CenterDayRow.used > 0,
                )
                .values(used=CenterDayRow.used - 1)
            )
