"""Day plans in the database, route by route, with a per-worker cache of parsed routes.

A booking locks the day's row, reads only the routes that changed since this worker last saw them
(by version), and writes back only the route it changed: the work inside the lock no longer grows
with the size of the day.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from api.store import Store
from api.tables import DayPlanRow, DayRouteRow
from optimizer.live import DayPlan, LiveRoute

CACHED_DAYS = 32

_VERSIONS = select(DayPlanRow.day, DayPlanRow.version).where(
    DayPlanRow.region == bindparam("region"), DayPlanRow.day.between(bindparam("first"), bindparam("last"))
)
"""The versions of the days' plans from `first` to `last` (built once, without an expanding list to render)."""


@dataclass(frozen=True)
class LockedDay:
    """A day's plan read under its lock, and what writing it back needs.

    `complete` is False when only the route a booking changes is known to be current (the others
    are as the booking priced them, and may have changed since): such a plan is written, not cached.
    """

    day: date
    row: DayPlanRow
    plan: DayPlan
    route_versions: dict[str, int]
    complete: bool = True


@dataclass(frozen=True)
class Saved:
    """A day's plan at a committed version (what a write produced, or what a read found); the cache holds these."""

    day: date
    version: int
    plan: DayPlan
    route_versions: dict[str, int]
    complete: bool = True


class DayPlans:
    """Read, lock and write the day plans of one region."""

    def __init__(self, store: Store, region: str, empty: DayPlan) -> None:
        self.store, self.region, self.empty = store, region, empty
        self._cache: OrderedDict[date, Saved] = OrderedDict()
        self._lock = threading.Lock()  # guards this worker's cache only; the database serialises writers

    def _cached(self, day: date) -> Saved | None:
        with self._lock:
            return self._cache.get(day)

    def remember(self, saved: Saved) -> None:
        """Cache a plan as committed (never before the commit: a rolled-back version must not be reused).

        A plan written from a partly current read (`complete` False) is not cached.
        """
        if not saved.complete:
            return
        with self._lock:
            known = self._cache.get(saved.day)
            if known is None or known.version <= saved.version:
                self._cache[saved.day] = saved
                self._cache.move_to_end(saved.day)
            while len(self._cache) > CACHED_DAYS:
                self._cache.popitem(last=False)

    def _load(self, session: Session, day: date, version: int) -> tuple[DayPlan, dict[str, int]]:
        cached = self._cached(day)
        if cached is not None and cached.version == version:
            return cached.plan, cached.route_versions
        key = (DayRouteRow.region == self.region, DayRouteRow.day == day)
        versions = dict(session.execute(select(DayRouteRow.courier_id, DayRouteRow.version).where(*key)).all())
        known = cached.route_versions if cached else {}
        stale = [c for c, v in versions.items() if known.get(c) != v]
        routes: dict[str, LiveRoute] = dict(cached.plan.routes) if cached else dict(self.empty.routes)
        for courier in set(routes) - set(versions):
            routes[courier] = self.empty.routes[courier]
        if stale:
            rows = session.execute(
                select(DayRouteRow.courier_id, DayRouteRow.route).where(*key, DayRouteRow.courier_id.in_(stale))
            )
            for courier, route in rows:
                if courier in self.empty.routes:  # a courier no longer in the fleet keeps no route
                    routes[courier] = LiveRoute.from_json(courier, route)
        plan = DayPlan(routes)
        self.remember(Saved(day, version, plan, versions))
        return plan, versions

    def read(self, day: date) -> DayPlan:
        """The day's plan as committed (empty if nobody booked that day)."""
        return self.read_days([day])[day]

    def committed(self, day: date) -> Saved:
        """The day's plan as committed, with its versions: what a booking prices before it takes the lock."""
        with self.store.read() as session:
            found = session.execute(_VERSIONS, {"region": self.region, "first": day, "last": day}).first()
            if found is None:
                return Saved(day, 0, self.empty, {})
            plan, versions = self._load(session, day, found.version)
            return Saved(day, found.version, plan, versions)

    def read_days(self, days: Sequence[date]) -> dict[date, DayPlan]:
        """The days' plans as committed (empty for a day nobody booked): one query when all are cached."""
        if not days:
            return {}
        with self.store.read() as session:
            found = session.execute(_VERSIONS, {"region": self.region, "first": min(days), "last": max(days)})
            versions: dict[date, int] = dict(found.all())
            return {d: self._load(session, d, versions[d])[0] if d in versions else self.empty for d in days}

    def lock(self, session: Session, day: date) -> LockedDay:
        """Lock the day (until the transaction ends) and read its plan."""
        row = self.store.lock_day(session, self.region, day)
        plan, versions = self._load(session, day, row.version)
        return LockedDay(day, row, plan, versions)

    def lock_as_priced(self, session: Session, priced: Saved, courier: str | None) -> LockedDay:
        """Lock the day: the plan as priced if `courier`'s route has not changed since, else read again.

        The final check of a booking priced before the lock: its insertion touches one route, so it
        holds if that route's version is still the one priced (one indexed read), whatever happened
        to the others. Otherwise (or with no route to check) the plan is read again under the lock.
        """
        row = self.store.lock_day(session, self.region, priced.day)
        if row.version == priced.version:
            return LockedDay(priced.day, row, priced.plan, priced.route_versions)
        if courier is not None:
            key = (DayRouteRow.region == self.region, DayRouteRow.day == priced.day)
            current = session.scalar(select(DayRouteRow.version).where(*key, DayRouteRow.courier_id == courier))
            if current == priced.route_versions.get(courier):
                return LockedDay(priced.day, row, priced.plan, priced.route_versions, complete=False)
        plan, versions = self._load(session, priced.day, row.version)
        return LockedDay(priced.day, row, plan, versions)

    def save(self, session: Session, locked: LockedDay, plan: DayPlan) -> Saved:
        """Write the routes that differ from the locked plan and bump the day's version."""
        versions = dict(locked.route_versions)
        for courier in plan.changed_routes(locked.plan):
            versions[courier] = versions.get(courier, 0) + 1
            row = {"region": self.region, "day": locked.day, "courier_id": courier}
            route = {"version": versions[courier], "route": plan.routes[courier].to_json()}
            self.store.insert(session, DayRouteRow, row | route, replace=list(route))
        locked.row.version += 1
        return Saved(locked.day, locked.row.version, plan, versions, locked.complete)
