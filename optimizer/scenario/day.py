"""What both designs of a simulated day share: the shoppers, their bookings, where returns wait, the drawing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from optimizer.assignment.from_region import assignment_problem
from optimizer.assignment.problem import MAX_PENALTY_CENTS, AssignmentProblem
from optimizer.domain import Location, Return, TimeWindow
from optimizer.geo.region import Sites
from optimizer.geo.road_matrix import LocatedPoint
from optimizer.quoting import ReturnsDesk
from optimizer.scenario.kpis import CollectionFigures, Driven, Kpis
from optimizer.scenario.processing import Batch
from optimizer.scenario.rules_day import Screened

Progress = Callable[[str, float], None]
"""Called with a stage name and the share of it done (0 to 1)."""


@dataclass(frozen=True)
class Shopper:
    """One return as the simulation sees it: the request, where it is on the roads, and the shopper."""

    request: Return
    point: LocatedPoint
    insured: bool
    zone: int
    """Index of the depot whose couriers reach the address fastest."""
    drop_point: int | None
    """Index of the nearest drop-off point by road (None: the region has none)."""
    screened: Screened | None = None
    """Under the scenario's rules: the item's value and the screening's action (None: no rules)."""


@dataclass(frozen=True)
class Design:
    """One design's run: its KPIs, and the busiest day's routes and flows to the centers for the map."""

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
    kept: dict[str, int] = field(default_factory=dict)
    """Return id -> what keeping it saved (the way back and processing, less its recovery), in cents."""


@dataclass(frozen=True)
class Collection:
    """One design's collection day: its bookings, what the couriers drove, where each return waits."""

    bookings: DayBookings
    driven: Driven
    routes: list[list[tuple[float, float]]]
    origin_of: dict[str, str]
    """Return id -> the depot or drop-off point it waits at for the line haul."""


def added_up(
    collections: list[Collection], returns: int, refused: int = 0, inspections: tuple[int, int] = (0, 0)
) -> CollectionFigures:
    """The collection days' figures summed, as the KPIs take them (with the rules' refusals and inspections)."""
    return CollectionFigures(
        returns=returns,
        refused=refused,
        kept=sum(len(c.bookings.kept) for c in collections),
        keep_it_saved_cents=sum(sum(c.bookings.kept.values()) for c in collections),
        inspections=inspections[0],
        inspection_cents=inspections[1],
        wanted_pickup=sum(c.bookings.wanted_pickup for c in collections),
        booked=sum(len(c.bookings.booked) for c in collections),
        drop_offs=sum(len(c.bookings.drop_offs) for c in collections),
        unserved=sum(len(c.bookings.unserved) for c in collections),
        driven=sum((c.driven for c in collections), Driven()),
    )


def drop_off(day: DayBookings, shopper: Shopper) -> None:
    """The shopper drops the return off at the nearest point (unserved if the region has none)."""
    if shopper.drop_point is None:
        day.unserved.append(shopper.request.id)
    else:
        day.drop_offs[shopper.request.id] = shopper.drop_point


def assignment_problem_of(desk: ReturnsDesk, shoppers: list[Shopper], origin_of: dict[str, str]) -> AssignmentProblem:
    """Every return that reached a consolidation point (depot or drop-off point), to send to a center.

    No flat penalty: leaving a return unprocessed is priced out of reach, so a return stays
    unprocessed only when no center-day can take it.
    """
    items = [s.request.waiting_at(origin_of[s.request.id]) for s in shoppers if s.request.id in origin_of]
    return assignment_problem(desk.region, items, source=desk.source, unplaced_penalty_cents=MAX_PENALTY_CENTS)


def flows(sites: Sites, batch: Batch) -> list[tuple[tuple[float, float], tuple[float, float], int]]:
    """(from, to, returns) per consolidation point and center of one day's returns, for the map."""
    where = {d.id: d.location for d in sites.depots} | {p.id: p.location for p in sites.drop_off_points}
    problem = batch.problem
    where |= {c.id: c.location for c in problem.centers}
    counts = Counter(
        (problem.origin_ids[int(o)], problem.centers[int(c)].id)
        for o, c in zip(problem.returns.origin.tolist(), batch.center_of.tolist(), strict=True)
        if c >= 0
    )
    return [(lonlat(where[o]), lonlat(where[c]), n) for (o, c), n in sorted(counts.items())]


def lonlat(location: Location) -> tuple[float, float]:
    """A location as the map's (x, y)."""
    return (location.lon, location.lat)
