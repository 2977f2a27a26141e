"""The returns desk: what a way back costs, where it goes and when.

The returns desk: pickup slots priced by what they add to the day's routes, drop-off points,
destination centers, prices and payers. The service and the what-if simulator both ask it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from optimizer.assignment.problem import AssignmentProblem, ReturnBatch
from optimizer.assignment.solver import assign
from optimizer.domain import DropOffPoint, Location, Parcel, ProcessingCenter, SlotGrid, TimeWindow, total_load
from optimizer.errors import ValidationError
from optimizer.fleet import FleetSpec
from optimizer.geo.region import Region
from optimizer.geo.road_matrix import LocatedPoint, RoadNetworkSource, Targets
from optimizer.live import DayPlan, Insertion, LivePlanner, NewPickup
from optimizer.policy import PolicyBook

_SLOT_ID = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
LINE_HAUL_KMH = 40.0
BULKY_KG = 20


@dataclass(frozen=True)
class SlotPolicy:
    """The slot grid, how long before a window ends booking closes, and what counts as green."""

    grid: SlotGrid = field(default_factory=SlotGrid)
    cutoff_s: int = 3600
    green_added_s: int = 300
    """A slot is green when the pickup adds at most this much driving to a route that already runs."""
    consolidation_s: int = 3 * 3600
    """From the end of the pickup slot (or drop-off) until the parcel leaves for its center."""

    def __post_init__(self) -> None:
        for name in ("cutoff_s", "green_added_s", "consolidation_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 7 * 86400:
                raise ValidationError(name, f"must be whole seconds within [0, 604800], got {value!r}")


@dataclass(frozen=True, slots=True)
class SlotOffer:
    """One pickup slot at an address: can it be booked, and what it adds to the routes."""

    slot_id: str
    day: date
    window: TimeWindow
    insertion: Insertion | None
    open: bool
    """False when booking has closed (cut-off) or the day is past."""

    @property
    def available(self) -> bool:
        """True when the slot is open and a courier can take the pickup."""
        return self.open and self.insertion is not None


@dataclass(frozen=True, slots=True)
class CenterChoice:
    """Where a return goes, how far, and what its line haul costs."""

    center: ProcessingCenter
    haul_m: int
    transport_cents: int


def slot_id(day: date, window: TimeWindow) -> str:
    """`2026-11-27T09:00-11:00`: the day and the window in the region's local time."""
    return f"{day.isoformat()}T{window.start_s // 3600:02d}:{window.start_s % 3600 // 60:02d}-" + (
        f"{window.end_s // 3600:02d}:{window.end_s % 3600 // 60:02d}"
    )


class ReturnsDesk:
    """Everything a quote, a slot list or a booking needs for one region and fleet."""

    def __init__(
        self,
        region: Region,
        source: RoadNetworkSource,
        fleet: FleetSpec,
        *,
        slots: SlotPolicy | None = None,
        policies: PolicyBook | None = None,
        timezone: str = "Asia/Shanghai",
        pricing_radius_m: float | None = None,
    ) -> None:
        self.region = region
        self.source = source
        self.slots = slots or SlotPolicy()
        self.policies = policies or PolicyBook()
        self.zone = ZoneInfo(timezone)
        couriers = fleet.couriers(region.sites.depots)
        self.planner = LivePlanner(source, region.sites.depots, couriers, radius_m=pricing_radius_m)
        sites = region.sites
        self.origins = (*(d.id for d in sites.depots), *(p.id for p in sites.drop_off_points))
        locations = [d.location for d in sites.depots] + [p.location for p in sites.drop_off_points]
        self.haul_m = source.line_haul_m(locations, [c.location for c in sites.centers])
        nodes, access = source.locate(locations)  # depots, then drop-off points (as `origins`)
        depots = len(sites.depots)
        self._depot_nodes, self._depot_access = nodes[:depots], access[:depots]
        self._drop_nodes, self._drop_access = nodes[depots:], access[depots:]
        self.categories = tuple(sorted({name for c in sites.centers for name in c.categories}))

    # -- pickups and slots -------------------------------------------------------------------------
    def pickup(
        self,
        point: LocatedPoint,
        parcels: Sequence[Parcel],
        skills: frozenset[str] = frozenset(),
        delivery_parcels: Sequence[Parcel] = (),
    ) -> NewPickup:
        """A pickup at a located address: service time grows with the parcel count; heavy items need `bulky`.

        An exchange hands `delivery_parcels` over at the same stop (a minute more for each).
        """
        load, delivery = total_load(parcels), total_load(delivery_parcels)
        heavy = any(p.weight_g >= BULKY_KG * 1000 for p in (*parcels, *delivery_parcels))
        service_s = 180 + 60 * (load.parcels - 1) + 60 * delivery.parcels + (240 if heavy else 0)
        return NewPickup(point, service_s, load, skills | ({"bulky"} if heavy else set()), delivery)

    def parse_slot(self, text: str) -> tuple[date, TimeWindow]:
        """The day and window of a slot id; an id off the grid is an error naming `slot_id`."""
        match = _SLOT_ID.match(text)
        if not match:
            raise ValidationError("slot_id", f'must look like "2026-11-27T09:00-11:00", got {text!r}')
        try:
            day = date.fromisoformat(match.group(1))
        except ValueError:
            raise ValidationError("slot_id", f"not a date: {match.group(1)!r}") from None
        h0, m0, h1, m1 = (int(g) for g in match.groups()[1:])
        window = TimeWindow(h0 * 3600 + m0 * 60, h1 * 3600 + m1 * 60)
        if window not in self.slots.grid.slots:
            raise ValidationError("slot_id", f"{text} is not one of the offered slots")
        return day, window

    def is_open(self, day: date, window: TimeWindow, now: datetime) -> bool:
        """Booking for the window is open until the cut-off before it ends."""
        closes = datetime.combine(day, time(0), self.zone) + timedelta(seconds=window.end_s - self.slots.cutoff_s)
        return now < closes

    def slot_offers(self, plans: Mapping[date, DayPlan], pickup: NewPickup, now: datetime) -> list[SlotOffer]:
        """Every slot of every day in `plans`, priced by its cheapest feasible insertion into that day's plan."""
        offers = []
        grid = self.slots.grid.slots
        for day, plan in sorted(plans.items()):
            opened = [self.is_open(day, window, now) for window in grid]
            priced = self.planner.options(plan, pickup, [w for w, ok in zip(grid, opened, strict=True) if ok])
            found = iter(priced)
            for window, ok in zip(grid, opened, strict=True):
                offers.append(SlotOffer(slot_id(day, window), day, window, next(found) if ok else None, ok))
        return offers

    def is_green(self, offer: SlotOffer) -> bool:
        """A courier already passes nearby: the pickup joins a route and adds little driving."""
        insertion = offer.insertion
        return bool(offer.available and insertion and insertion.joins_route) and (
            insertion is not None and insertion.added_s <= self.slots.green_added_s
        )

    def local_time(self, day: date, seconds: int) -> datetime:
        """A time of the day in seconds as the region's local datetime."""
        return datetime.combine(day, time(0), self.zone) + timedelta(seconds=seconds)

    # -- drop-off and centers ----------------------------------------------------------------------
    def nearby(self, point: LocatedPoint, count: int = 3) -> tuple[int, list[tuple[DropOffPoint, int]]]:
        """The depot reaching the address fastest, and the `count` nearest drop-off points by road (metres).

        Exact, without asking the road network about every drop-off point of a city: a road path is
        never shorter than the straight line between its ends, so the points are asked nearest first
        (straight line) until the `count`-th road distance found is below the next one's straight line.
        """
        xy = self.source.region.road_graph.xy
        straight = np.hypot(*(xy[self._drop_nodes] - xy[point.node]).T)
        ranked = np.argsort(straight, kind="stable")
        asked = min(len(ranked), count + 4)
        while True:
            chosen = np.sort(ranked[:asked])
            nodes = np.concatenate([self._depot_nodes, self._drop_nodes[chosen]])
            access = np.concatenate([self._depot_access, self._drop_access[chosen]])
            (seconds, _), (_, metres) = self.source.legs(point, Targets.of(nodes, access))
            metres = metres[len(self._depot_nodes) :]
            order = np.argsort(metres, kind="stable")[:count]
            settled = count == 0 or asked == len(ranked)
            if settled or metres[order[-1]] < np.floor(straight[ranked[asked]]):
                break
            asked = min(len(ranked), 2 * asked)
        points = self.region.sites.drop_off_points
        return int(np.argmin(seconds[: len(self._depot_nodes)])), [
            (points[int(chosen[i])], int(metres[i])) for i in order
        ]

    def nearest_drop_offs(self, point: LocatedPoint, count: int = 3) -> list[tuple[DropOffPoint, int]]:
        """The drop-off points closest by road from the address, with the metres to each."""
        return self.nearby(point, count)[1]

    def nearest_depot(self, point: LocatedPoint) -> int:
        """Index of the depot whose couriers reach the address fastest."""
        return self.nearby(point, 0)[0]

    def center_for(self, origin: int, category: str, weight_g: int) -> CenterChoice | None:
        """The cheapest capable center for one return waiting at origin index `origin` (the assignment's rule).

        The answer depends only on the origin, the category and the chargeable kilograms, so it is memoised.
        """
        return self._center_for(origin, category, max(1, -(-weight_g // 1000)))

    @functools.lru_cache(maxsize=4096)  # noqa: B019 (one desk lives as long as the service)
    def _center_for(self, origin: int, category: str, kg: int) -> CenterChoice | None:
        weight_g = kg * 1000
        if category not in self.categories:
            known = ", ".join(self.categories)
            raise ValidationError("category", f"no center processes {category!r} (known: {known})")
        centers = self.region.sites.centers
        batch = ReturnBatch(
            ("quote",), np.array([origin]), np.array([self.categories.index(category)]), np.array([weight_g])
        )
        problem = AssignmentProblem(self.origins, self.categories, centers, self.haul_m, self.region.line_haul, batch)
        result = assign(problem)
        chosen = int(result.center_of[0])
        if chosen < 0:
            return None
        return CenterChoice(centers[chosen], int(self.haul_m[origin, chosen]), result.cost.transport_cents)

    def arrival_at_center(self, leaves: datetime, haul_m: int) -> datetime:
        """When a parcel reaches its center: consolidation, then the line haul at 40 km/h."""
        drive = timedelta(seconds=haul_m / (LINE_HAUL_KMH / 3.6))
        return leaves + timedelta(seconds=self.slots.consolidation_s) + drive

    def located(self, location: Location) -> LocatedPoint:
        """An address on the road network with its paths (errors name `origin`)."""
        return self.planner.locate(location)
