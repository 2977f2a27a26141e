"""Center capacity on the live path: every return reserves its place at a center for one processing day.

A reservation is made in the transaction that stores the return. It walks the return's (center,
day) options cheapest first (`optimizer.assignment.center_days`) and takes the first with room by
a conditional update (`used = used + 1 WHERE used < limit`) of the center-day's category row and
total row, inside a savepoint: a full row is never left locked, and both counts move together or
not at all. The update holds the row's lock until commit, so with any number of workers a
center-day is never over capacity. Quotes estimate the same choice from the committed counts.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, bindparam, or_, select, update
from sqlalchemy.orm import Session

from api.errors import ConflictError
from api.services.context import ServiceContext
from api.services.movable import movable_returns
from api.tables import CenterDayRow
from optimizer.assignment import AssignmentProblem, ReturnBatch, assign
from optimizer.assignment.center_days import (
    PROCESSING_LAG_DAYS,
    TOTAL,
    CenterCapacity,
    CenterDayOption,
    center_day_options,
    center_day_problem,
)
from optimizer.assignment.result import cost_of
from optimizer.maps.document import CenterLoad

_COUNTS = select(CenterDayRow.center_id, CenterDayRow.day, CenterDayRow.category, CenterDayRow.used).where(
    CenterDayRow.region == bindparam("region"),
    CenterDayRow.day.between(bindparam("first"), bindparam("last")),
    or_(CenterDayRow.category == bindparam("category"), CenterDayRow.category == TOTAL),
)
"""The committed counts of some center-days (built once: every quote reads them)."""
_TAKE = (
    update(CenterDayRow)
    .where(
        CenterDayRow.region == bindparam("in_region"),
        CenterDayRow.center_id == bindparam("center"),
        CenterDayRow.day == bindparam("center_day"),
        CenterDayRow.category == bindparam("name"),
        CenterDayRow.used < bindparam("limit"),
    )
    .values(used=CenterDayRow.used + 1)
    .execution_options(synchronize_session=False)
)
"""One more return on a center-day row that has room (built once: every booking runs it)."""
UNLIMITED = 2**31 - 1
"""The limit of a row without one (the column's largest value)."""
_EPOCH = date(2000, 1, 1)
"""The day the cached rankings are computed from (any fixed day would do)."""
INSPECTION_AT_S = 12 * 3600
"""Returns are inspected by midday (local time) of their processing day."""
REFUND_AFTER = timedelta(days=1)
"""Refunds are paid a day after inspection."""


DISPATCHED_AT_S = 22 * 3600
"""The night's line haul leaves depots and drop-off points at 22:00: a return collected by then is dispatched."""


class _FullError(Exception):
    pass


@dataclass(frozen=True)
class Reassignment:
    """What a re-assignment did: returns it could move, how many moved, and the cost before and after."""

    considered: int
    moved: int
    cost_before_cents: int
    cost_after_cents: int


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

    def loads(self, day: date) -> list[CenterLoad]:
        """Each center's returns reserved for processing on `day`, against its capacity that day."""
        with self.context.store.read() as session:
            between = {"region": self.context.region, "category": TOTAL, "first": day, "last": day}
            used = {row.center_id: row.used for row in session.execute(_COUNTS, between)}
        return [CenterLoad(c.id, self.capacity.limit(c, TOTAL, day), used.get(c.id, 0)) for c in self.capacity.centers]

    def options(self, origin: int, category: str, weight_g: int, collected: date) -> Iterator[CenterDayOption]:
        """The return's (center, day) options, cheapest first; it can be processed from the day after collection.

        The ranking does not depend on the date (a day's wait costs the same on any day), so it is
        computed once per origin, category and chargeable kilogram and shifted to `collected`.
        """
        kg = max(1, -(-weight_g // 1000))
        shift = collected + timedelta(days=PROCESSING_LAG_DAYS) - _EPOCH
        return (replace(option, day=option.day + shift) for option in self._ranked(origin, category, kg))

    @functools.lru_cache(maxsize=4096)  # noqa: B019 (one service lives as long as the worker)
    def _ranked(self, origin: int, category: str, kg: int) -> tuple[CenterDayOption, ...]:
        settings = self.context.settings
        return tuple(
            center_day_options(
                self.problem,
                origin,
                category,
                kg * 1000,
                _EPOCH,
                settings.processing_horizon_days,
                settings.wait_cents_per_day,
            )
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

    def estimate(
        self, origins: Sequence[tuple[int, date]], category: str, weight_g: int
    ) -> list[CenterDayOption | None]:
        """Where and when each return (origin, collection day) would be processed if registered now.

        Reads the committed counts once for all of them (a quote asks for its pickup and each
        drop-off point): the first option of each with room in its category and in total.
        """
        if not origins:
            return []
        ranked = [self.options(origin, category, weight_g, collected) for origin, collected in origins]
        horizon = timedelta(days=self.context.settings.processing_horizon_days)
        days = [collected + timedelta(days=PROCESSING_LAG_DAYS) for _, collected in origins]
        with self.context.store.read() as session:
            between = {"first": min(days), "last": max(days) + horizon}
            rows = session.execute(_COUNTS, {"region": self.context.region, "category": category} | between)
            used = {(center, day, name): count for center, day, name, count in rows}
        return [next((o for o in options if self._has_room(o, category, used)), None) for options in ranked]

    def _has_room(self, option: CenterDayOption, category: str, used: dict[tuple[str, date, str], int]) -> bool:
        return all(
            limit is None or used.get((option.center.id, option.day, name), 0) < limit
            for name, limit in self._limits(option, category)
        )

    def reserve(self, session: Session, origin: int, category: str, weight_g: int, collected: date) -> CenterDayOption:
        """Take the cheapest center-day with room, in the caller's transaction (409 when none has room)."""
        for option in self.options(origin, category, weight_g, collected):
            try:
                with session.begin_nested():
                    for name, limit in self._limits(option, category):
                        if not self._take(session, option, name, limit):
                            raise _FullError
            except _FullError:
                continue
            return option
        horizon = self.context.settings.processing_horizon_days
        raise ConflictError(
            f"no center that processes {category} has room within {horizon} days", code="no_center_capacity"
        )

    def _take(self, session: Session, option: CenterDayOption, name: str, limit: int | None) -> bool:
        """One more on the row if it has room; a row not made yet is made (at 0) and tried again."""
        params = {
            "in_region": self.context.region,
            "center": option.center.id,
            "center_day": option.day,
            "name": name,
            "limit": UNLIMITED if limit is None else limit,
        }
        for attempt in range(2):
            if getattr(session.execute(_TAKE, params), "rowcount", 0) == 1:
                return True
            if attempt == 0:
                self._ensure_rows(session, [(option.center.id, option.day, name)])
        return False

    def _ensure_rows(self, session: Session, keys: list[tuple[str, date, str]]) -> None:
        """The center-day rows made (at 0) where missing."""
        region, insert = self.context.region, self.context.store.insert
        for center_id, day, category in keys:
            insert(
                session,
                CenterDayRow,
                {"region": region, "center_id": center_id, "day": day, "category": category, "used": 0},
            )

    def _key(self, center_id: str, day: date, category: str) -> tuple[ColumnElement[bool], ...]:
        return (
            CenterDayRow.region == self.context.region,
            CenterDayRow.center_id == center_id,
            CenterDayRow.day == day,
            CenterDayRow.category == category,
        )

    def _lock_range(self, session: Session, first: date, last: date) -> defaultdict[tuple[str, date, str], int]:
        """Every center-day row from `first` to `last`, made if missing and locked in key order: their counts."""
        days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
        keys = [(c.id, d, name) for c in self.capacity.centers for d in days for name in (TOTAL, *c.categories)]
        self._ensure_rows(session, keys)
        rows = session.execute(
            select(CenterDayRow)
            .where(CenterDayRow.region == self.context.region, CenterDayRow.day.between(first, last))
            .order_by(CenterDayRow.center_id, CenterDayRow.day, CenterDayRow.category)
            .with_for_update()
        ).scalars()
        used: defaultdict[tuple[str, date, str], int] = defaultdict(int)
        for row in rows:
            used[row.center_id, row.day, row.category] = row.used
        return used

    def _dispatched(self, collected: date, now: datetime) -> bool:
        """Whether the line haul of the return's collection day has left (then its center and day are fixed)."""
        return now >= self.context.desk.local_time(collected, DISPATCHED_AT_S)

    def release(self, session: Session, center_id: str, day: date, category: str) -> None:
        """Give a reservation back (a cancelled or moved return), in the caller's transaction."""
        for name in (category, TOTAL):
            session.execute(
                update(CenterDayRow)
                .where(*self._key(center_id, day, name), CenterDayRow.used > 0)
                .values(used=CenterDayRow.used - 1)
            )

    def reassign(self, now: datetime) -> Reassignment:
        """Re-place every return not yet dispatched by the min-cost flow over center-days, if that saves money.

        The flow decides with a day's wait priced at the delay cost plus the hold; whether it saves
        money is counted at the delay cost alone (what the operator pays). Decided under the lock:
        the movable returns are locked, then every center-day row from tomorrow on is created if
        missing and locked (in key order), in the transaction that moves them. Dispatched returns
        (their collection day's line haul left) stay where they are and keep their places. The new
        placement is applied only if it costs less in all; then only the returns whose center or day
        changes move, and the counts follow them.
        """
        context, settings = self.context, self.context.settings
        with context.store.write() as session:
            movable = [
                m
                for m in movable_returns(session, context.region, context.desk.zone)
                if not self._dispatched(m.collected, now)
            ]
            if not movable:
                return Reassignment(0, 0, 0, 0)
            first = [m.collected + timedelta(days=PROCESSING_LAG_DAYS) for m in movable]
            last = max(*first, *(m.day for m in movable)) + timedelta(days=settings.processing_horizon_days)
            used = self._lock_range(session, context.today(now) + timedelta(days=1), last)
            for m in movable:
                for name in (m.row.category, TOTAL):
                    used[m.center_id, m.day, name] -= 1
            origins = [context.desk.origins.index(m.origin) for m in movable]
            batch = ReturnBatch(
                tuple(m.row.id for m in movable),
                np.array(origins),
                np.array([self.problem.categories.index(m.row.category) for m in movable]),
                np.array([m.weight_g for m in movable]),
            )
            decide, columns = center_day_problem(
                replace(self.problem, returns=batch),
                self.capacity,
                first,
                settings.processing_horizon_days,
                settings.wait_cents_per_day,
                used,
            )
            column_of = {(center.id, day): c for c, (center, day) in enumerate(columns)}
            current = np.array([column_of.get((m.center_id, m.day), -1) for m in movable])
            if (current < 0).any():  # held where its earliest day does not allow: leave every return as it is
                return Reassignment(len(movable), 0, 0, 0)

            def paid(placement: np.ndarray[Any, Any]) -> int:
                """The placement's cost at the delay cost alone: the decision's price less the hold."""
                waited: int = sum((columns[c][1] - f).days for c, f in zip(placement.tolist(), first, strict=True))
                return int(cost_of(decide, placement).total_cents) - settings.hold_cents_per_day * waited

            before = paid(current)
            optimal = assign(decide)
            after = before if optimal.unplaced else paid(optimal.center_of)
            if after >= before:
                return Reassignment(len(movable), 0, before, before)
            moved = 0
            for m, origin, column in zip(movable, origins, optimal.center_of.tolist(), strict=True):
                center, day = columns[column]
                if (center.id, day) == (m.center_id, m.day):
                    continue
                self.release(session, m.center_id, m.day, m.row.category)
                for name in (m.row.category, TOTAL):
                    session.execute(
                        update(CenterDayRow).where(*self._key(center.id, day, name)).values(used=CenterDayRow.used + 1)
                    )
                m.row.center_id, m.row.processing_date = center.id, day
                m.row.haul_m = int(self.problem.line_haul_m[origin, self.problem.centers.index(center)])
                moved += 1
        return Reassignment(len(movable), moved, before, after)
