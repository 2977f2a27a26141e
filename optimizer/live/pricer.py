"""Pricing and booking pickups into live plans by cheapest feasible insertion.

What a new pickup would add to each slot: two road searches from the new address (to it and from
it), then every position of every route is checked at once (numpy) against the slot, the shift, the
vehicle's capacity and skills, with the classic earliest-start / latest-start test that keeps every
later stop in its window. A slot is offered only if such a position exists, and a booking inserts
there, so the plan never promises what the fleet cannot do.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from optimizer.domain import Courier, Depot, Load, Location, TimeWindow
from optimizer.errors import ValidationError
from optimizer.geo.road_matrix import LocatedPoint, RoadNetworkSource
from optimizer.live import served
from optimizer.live.identity_cache import IdentityCache
from optimizer.live.plan import NO_LOAD, DayPlan, LiveRoute, LiveStop
from optimizer.live.plan_view import Ends, PlanView
from optimizer.routing.insertion import NEVER, Gaps, has_room, in_time, route_gaps

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
POSITIONS_CACHE_SIZE = 4096
"""Routes whose insertion positions are kept (a few days of a large fleet)."""
PLANS_CACHE_SIZE = 64
"""Plans whose gaps are kept whole (the committed plans of the days being quoted)."""


@dataclass(frozen=True, slots=True)
class Insertion:
    """The cheapest feasible place for a pickup in one slot, and what it adds.

    `marginal_cost_cents` prices the added driving at the courier's km and hour rates; the fleet is
    rostered for the day, so a vehicle's fixed cost is not charged to the pickup that starts its route.
    """

    window: TimeWindow
    courier_id: str
    position: int
    marginal_cost_cents: int
    added_s: int
    """Travel time added to the route (at the courier's speed)."""
    added_m: int
    joins_route: bool
    """True when the courier already has stops that day (the pickup joins a route instead of starting one)."""
    service_start_s: int
    leg_in: tuple[int, int]
    leg_out: tuple[int, int]


@dataclass(frozen=True, slots=True)
class NewPickup:
    """A pickup being priced or booked: where it is on the road network, and what it carries."""

    point: LocatedPoint
    service_s: int
    load: Load
    skills: frozenset[str]
    delivery: Load = NO_LOAD
    """An exchange's replacement item, carried from the start depot to this stop."""


class LivePlanner:
    """Prices and books pickups into a region's day plans for a given fleet."""

    def __init__(
        self,
        source: RoadNetworkSource,
        depots: Sequence[Depot],
        couriers: Sequence[Courier],
        radius_m: float | None = None,
    ) -> None:
        self.source = source
        self.radius_m = radius_m
        """Only gaps with an end this close to the address are priced (and empty routes); None: every gap."""
        self.depots = tuple(depots)
        self.couriers = tuple(couriers)
        for courier in self.couriers:
            if courier.max_route_duration_s is not None:
                raise ValidationError(f"couriers.{courier.id}.max_route_duration_s", "not supported by live plans")
        self.courier_index = {c.id: i for i, c in enumerate(self.couriers)}
        self._by_id = {c.id: c for c in self.couriers}
        depot_nodes, depot_access = source.locate([d.location for d in self.depots])
        self._depot = {d.id: (int(n), float(a)) for d, n, a in zip(self.depots, depot_nodes, depot_access, strict=True)}
        self._depot_legs: dict[tuple[str, str], tuple[int, int]] = {}
        self._routes: IdentityCache[LiveRoute, tuple[Gaps, Ends]] = IdentityCache(POSITIONS_CACHE_SIZE)
        self._plans: IdentityCache[DayPlan, PlanView] = IdentityCache(PLANS_CACHE_SIZE)
        # per-courier figures every price check reads, gathered once
        self._speed = np.array([c.speed_factor for c in self.couriers], dtype=np.float64)
        self._per_km = np.array([c.cost_per_km_cents for c in self.couriers], dtype=np.float64)
        self._per_hour = np.array([c.cost_per_hour_cents for c in self.couriers], dtype=np.float64)
        self._capacity = np.array([c.capacity.as_tuple() for c in self.couriers], dtype=np.int64).reshape(-1, 3)

    def depot_point(self, depot_id: str) -> tuple[int, float]:
        """A depot's road node and access metres."""
        return self._depot[depot_id]

    def locate(self, location: Location) -> LocatedPoint:
        """An address on the road network (errors name it `origin`)."""
        try:
            nodes, access = self.source.locate([location])
        except ValidationError as error:
            raise ValidationError("origin", error.reason) from None
        return LocatedPoint(int(nodes[0]), float(access[0]))

    def _empty_leg(self, courier: Courier) -> tuple[int, int]:
        key = (courier.start_depot_id, courier.end_depot_id)
        if key[0] == key[1]:
            return 0, 0
        if key not in self._depot_legs:
            a, b = self._depot[key[0]], self._depot[key[1]]
            self._depot_legs[key] = self._leg(a, b)
        return self._depot_legs[key]

    def _leg(self, a: tuple[int, float], b: tuple[int, float]) -> tuple[int, int]:
        graph = self.source.region.road_graph
        cs, dm = graph.paths(np.array([a[0]], dtype=np.int64), np.array([b[0]], dtype=np.int64))
        seconds, metres = self.source.combine(cs[0], dm[0], np.array([a[1]]), np.array([b[1]]))
        return int(seconds[0]), int(metres[0])

    def new_pickup(self, stop: LiveStop) -> NewPickup:
        """A booked stop as a pickup to insert again (into another plan of the same day)."""
        return NewPickup(LocatedPoint(stop.node, stop.access_m), stop.service_s, stop.load, stop.skills, stop.delivery)

    def empty_plan(self) -> DayPlan:
        """A plan with every courier's route empty."""
        return DayPlan({c.id: LiveRoute(c.id, (), *self._empty_leg(c)) for c in self.couriers})

    def _gaps(self, plan: DayPlan) -> PlanView:
        """Every gap of the plan, with the points on either side and each gap's courier figures.

        Kept per plan object (a committed plan is reused until its version changes), and built from
        per-route parts (routes are immutable and a change replaces only the route it touches).
        """
        return self._plans.get(plan, self._view)

    def _view(self, plan: DayPlan) -> PlanView:
        parts = [
            self._routes.get(plan.routes[courier.id], functools.partial(self._flatten, r))
            for r, courier in enumerate(self.couriers)
        ]
        gaps, ends = Gaps.concat([g for g, _ in parts]), Ends.concat([e for _, e in parts])
        xy = self.source.region.road_graph.xy
        return PlanView(
            gaps,
            ends,
            speed=self._speed[gaps.route],
            per_km=self._per_km[gaps.route],
            per_hour=self._per_hour[gaps.route],
            capacity=self._capacity[gaps.route],
            xy=np.concatenate([xy[ends.prev_node], xy[ends.next_node]]),
        )

    def _flatten(self, r: int, route: LiveRoute) -> tuple[Gaps, Ends]:
        courier = self.couriers[r]
        stops = route.stops
        loads = np.zeros((len(stops) + 1, 3), dtype=np.int64)
        if stops:  # on board: every delivery from the start, then each stop adds its pickup and drops its delivery
            delivered = np.array([s.delivery.as_tuple() for s in stops], dtype=np.int64)
            collected = np.array([s.load.as_tuple() for s in stops], dtype=np.int64)
            loads[0] = delivered.sum(axis=0)
            loads[1:] = loads[0] + np.cumsum(collected - delivered, axis=0)
        gaps = route_gaps(
            r,
            courier.shift,
            [served.scaled(leg, courier.speed_factor) for leg in (*(s.leg_s for s in stops), route.end_leg_s)],
            [*(s.leg_m for s in stops), route.end_leg_m],
            [(s.window,) for s in stops],
            [s.service_s for s in stops],
            loads,
        )
        last_behind = max((k for k, s in enumerate(stops) if s.behind), default=-1)
        gaps.latest_next[: last_behind + 1] = NEVER  # nothing is inserted where the courier has already been
        start, end = self._depot[courier.start_depot_id], self._depot[courier.end_depot_id]
        nodes = [start[0], *(s.node for s in stops), end[0]]
        access = [start[1], *(s.access_m for s in stops), end[1]]
        ends = Ends(
            prev_node=np.asarray(nodes[:-1], dtype=np.int64),
            prev_access=np.asarray(access[:-1], dtype=np.float64),
            next_node=np.asarray(nodes[1:], dtype=np.int64),
            next_access=np.asarray(access[1:], dtype=np.float64),
        )
        return gaps, ends

    def options(self, plan: DayPlan, pickup: NewPickup, windows: Sequence[TimeWindow]) -> list[Insertion | None]:
        """For each window, the cheapest feasible insertion of the pickup, or None when no courier can take it."""
        if not windows or not self.couriers:
            return [None] * len(windows)  # no courier today: no slot can be offered
        address = self.source.region.road_graph.xy[pickup.point.node]
        view = self._gaps(plan).near(address, self.radius_m)
        gaps = view.gaps
        (in_s, in_m), (out_s, out_m) = self.source.legs(pickup.point, view.targets)
        count = len(gaps.route)
        leg_in_s, leg_in_m = in_s[:count], in_m[:count]
        leg_out_s, leg_out_m = out_s[count:], out_m[count:]
        scaled_in = np.rint(leg_in_s / view.speed).astype(np.int64)
        scaled_out = np.rint(leg_out_s / view.speed).astype(np.int64)
        skilled = np.array([pickup.skills <= c.skills for c in self.couriers])[gaps.route]
        added_s = scaled_in + scaled_out - gaps.old_leg_s
        added_m = leg_in_m + leg_out_m - gaps.old_leg_m
        # the day's fleet is already rostered: a pickup adds driving (km and hours), not a vehicle's fixed cost
        cost = np.ceil(added_m * view.per_km / 1000 + added_s * view.per_hour / 3600).astype(np.int64)
        load, delivery, capacity = np.array(pickup.load.as_tuple()), np.array(pickup.delivery.as_tuple()), view.capacity
        fitting = has_room(gaps, load, delivery, capacity) & skilled  # the same for every window
        found: list[Insertion | None] = []
        for window in windows:
            ok, start = in_time(gaps, scaled_in, scaled_out, window, pickup.service_s)
            ok &= fitting
            if not ok.any():
                found.append(None)
                continue
            best = int(np.flatnonzero(ok)[np.argmin(np.where(ok, cost, np.iinfo(np.int64).max)[ok])])
            found.append(
                Insertion(
                    window=window,
                    courier_id=self.couriers[int(gaps.route[best])].id,
                    position=int(gaps.index[best]),
                    marginal_cost_cents=int(cost[best]),
                    added_s=int(added_s[best]),
                    added_m=int(added_m[best]),
                    joins_route=bool(gaps.has_stops[best]),
                    service_start_s=int(start[best]),
                    leg_in=(int(leg_in_s[best]), int(leg_in_m[best])),
                    leg_out=(int(leg_out_s[best]), int(leg_out_m[best])),
                )
            )
        return found

    def insert(self, plan: DayPlan, booking_id: str, pickup: NewPickup, insertion: Insertion) -> DayPlan:
        """The plan with the pickup at the insertion's place (found by `options` on this same plan)."""
        route = plan.routes[insertion.courier_id]
        stop = LiveStop(
            booking_id,
            pickup.point.node,
            pickup.point.access_m,
            insertion.window,
            pickup.service_s,
            pickup.load,
            pickup.skills,
            *insertion.leg_in,
            delivery=pickup.delivery,
        )
        stops = list(route.stops)
        p = insertion.position
        end_leg = (route.end_leg_s, route.end_leg_m)
        if p < len(stops):
            stops[p] = replace(stops[p], leg_s=insertion.leg_out[0], leg_m=insertion.leg_out[1])
        else:
            end_leg = insertion.leg_out
        stops.insert(p, stop)
        return DayPlan({**plan.routes, route.courier_id: LiveRoute(route.courier_id, tuple(stops), *end_leg)})

    def remove(self, plan: DayPlan, booking_id: str) -> DayPlan:
        """The plan without that booking; the route closes the gap (one road search for the new leg)."""
        for courier_id, route in plan.routes.items():
            ids = [s.booking_id for s in route.stops]
            if booking_id not in ids:
                continue
            p = ids.index(booking_id)
            courier = self.couriers[self.courier_index[courier_id]]
            stops = list(route.stops)
            del stops[p]
            if not stops:
                return DayPlan({**plan.routes, courier_id: LiveRoute(courier_id, (), *self._empty_leg(courier))})
            prev = self._depot[courier.start_depot_id] if p == 0 else (stops[p - 1].node, stops[p - 1].access_m)
            nxt = self._depot[courier.end_depot_id] if p == len(stops) else (stops[p].node, stops[p].access_m)
            leg = self._leg(prev, nxt)
            end_leg = (route.end_leg_s, route.end_leg_m)
            if p == len(stops):
                end_leg = leg
            else:
                stops[p] = replace(stops[p], leg_s=leg[0], leg_m=leg[1])
            return DayPlan({**plan.routes, courier_id: LiveRoute(courier_id, tuple(stops), *end_leg)})
        return plan

    def picked_up(self, plan: DayPlan, booking_id: str) -> DayPlan:
        """The plan with that booking's stop marked done."""
        return self._marked(plan, {booking_id: (True, False)})

    def failed(self, plan: DayPlan, booking_id: str) -> DayPlan:
        """The plan without that booking's stop, the courier marked as past the stop before it."""
        for route in plan.routes.values():
            ids = [s.booking_id for s in route.stops]
            if booking_id in ids and ids.index(booking_id) > 0:
                before = route.stops[ids.index(booking_id) - 1]
                plan = self._marked(plan, {before.booking_id: (before.done, True)})
        return self.remove(plan, booking_id)

    def marked_as(self, plan: DayPlan, source: DayPlan) -> DayPlan:
        """`plan` with each stop marked done and passed as in `source` (a re-plan brought up to date)."""
        return self._marked(plan, {s.booking_id: (s.done, s.passed) for r in source.routes.values() for s in r.stops})

    def _marked(self, plan: DayPlan, marks: Mapping[str, tuple[bool, bool]]) -> DayPlan:
        """The routes whose stops' (done, passed) differ from `marks` rebuilt; the others shared, not copied."""
        routes = dict(plan.routes)
        for courier, route in plan.routes.items():
            if any(marks.get(s.booking_id, (s.done, s.passed)) != (s.done, s.passed) for s in route.stops):
                stops = tuple(
                    replace(s, done=marks[s.booking_id][0], passed=marks[s.booking_id][1])
                    if s.booking_id in marks
                    else s
                    for s in route.stops
                )
                routes[courier] = replace(route, stops=stops)
        return DayPlan(routes)

    def schedule(self, plan: DayPlan) -> dict[str, tuple[str, int]]:
        """Courier and earliest service start of every booking in the plan (`optimizer.live.served`)."""
        return served.schedule(self._by_id, plan)

    def placed(self, plan: DayPlan, booking_id: str) -> tuple[str, int] | None:
        """Courier and earliest service start of one booking, timing only its route (None if not in the plan)."""
        return served.placed(self._by_id, plan, booking_id)

    def back_at_depot(self, plan: DayPlan, courier_id: str) -> int:
        """When the courier (who has stops) is back at its end depot (seconds of the day); times that route only."""
        return served.back_at_depot(self._by_id[courier_id], plan.routes[courier_id])
