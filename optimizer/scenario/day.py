"""What both designs of a simulated day share: the shoppers, their bookings, where returns go, the drawing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from optimizer.assignment.from_region import assignment_problem
from optimizer.assignment.problem import AssignmentProblem
from optimizer.assignment.result import AssignmentResult
from optimizer.domain import Location, Return, TimeWindow
from optimizer.geo.road_matrix import PointRows
from optimizer.quoting import ReturnsDesk
from optimizer.scenario.kpis import Kpis

Progress = Callable[[str, float], None]
"""Called with a stage name and the share of it done (0 to 1)."""


@dataclass(frozen=True)
class Shopper:
    """One return as the simulation sees it: the request, where it is on the roads, and the shopper."""

    request: Return
    rows: PointRows
    insured: bool
    zone: int
    """Index of the depot whose couriers reach the address fastest."""
    drop_point: int | None
    """Index of the nearest drop-off point by road (None: the region has none)."""


@dataclass(frozen=True)
class Design:
    """One design's day: what was booked and driven, where each return went, and its KPIs."""

    name: str
    kpis: Kpis
    routes: list[list[tuple[float, float]]]
    flows: list[tuple[tuple[float, float], tuple[float, float], int]]


@dataclass
class DayBookings:
    """Bookings and drop-offs of one design as they happen."""

    booked: dict[str, TimeWindow]
    wanted_pickup: int
    drop_offs: dict[str, int]
    """Return id -> drop-off point index."""
    unserved: list[str]

    def kpi_counts(self) -> dict[str, int]:
        """The day's counts as `kpis_of` takes them."""
        return {
            "wanted_pickup": self.wanted_pickup,
            "booked": len(self.booked),
            "drop_offs": len(self.drop_offs),
            "unserved": len(self.unserved),
        }


def drop_off(day: DayBookings, shopper: Shopper) -> None:
    """The shopper drops the return off at the nearest point (unserved if the region has none)."""
    if shopper.drop_point is None:
        day.unserved.append(shopper.request.id)
    else:
        day.drop_offs[shopper.request.id] = shopper.drop_point


def assignment_problem_of(desk: ReturnsDesk, shoppers: list[Shopper], origin_of: dict[str, str]) -> AssignmentProblem:
    """Every return that reached a consolidation point (depot or drop-off point), to assign to a center."""
    items = [s.request.waiting_at(origin_of[s.request.id]) for s in shoppers if s.request.id in origin_of]
    return assignment_problem(desk.region, items, source=desk.source)


def flows(
    desk: ReturnsDesk, shoppers: list[Shopper], origin_of: dict[str, str], result: AssignmentResult
) -> list[tuple[tuple[float, float], tuple[float, float], int]]:
    """(from, to, returns) per consolidation point and center, for the map."""
    sites = {d.id: d.location for d in desk.region.sites.depots} | {
        p.id: p.location for p in desk.region.sites.drop_off_points
    }
    centers = desk.region.sites.centers
    placed = [s.request.id for s in shoppers if s.request.id in origin_of]
    counts = Counter(
        (origin_of[rid], centers[int(c)].id) for rid, c in zip(placed, result.center_of.tolist(), strict=True) if c >= 0
    )
    where = {c.id: c.location for c in centers}
    return [(lonlat(sites[o]), lonlat(where[c]), n) for (o, c), n in sorted(counts.items())]


def lonlat(location: Location) -> tuple[float, float]:
    """A location as the map's (x, y)."""
    return (location.lon, location.lat)
