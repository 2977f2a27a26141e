"""Simulate return days twice, with Backhaul and with today's practice, on the same shoppers.

Backhaul: priced slots by live insertion, re-optimised routes, each evening's returns to center-days
by the min-cost flow. Today's practice: fixed slot quotas per zone, slot-order nearest-neighbour
routes, the nearest capable center with room (`processing.NearestWithRoom`). Day after day, each
side's centers carry their own backlog; after the last day the queues are worked down.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from optimizer.assignment.center_days import CenterCapacity
from optimizer.demand import generate_returns
from optimizer.domain import PickupRequest
from optimizer.geo.region import Region, Sites, load_region
from optimizer.geo.road_matrix import RoadNetworkSource
from optimizer.io.demand_json import load_requests
from optimizer.live import DayPlan, booked_request, plan_problem, plan_result
from optimizer.policy import PolicyBook
from optimizer.quoting import ReturnsDesk
from optimizer.routing import RoutingProblem, RoutingResult, solve, validate
from optimizer.scenario.baseline import collect_as_today
from optimizer.scenario.choice import book_with_backhaul
from optimizer.scenario.day import Collection, Design, Progress, Shopper, added_up, assignment_problem_of, flows, lonlat
from optimizer.scenario.kpis import Driven, kpis_of
from optimizer.scenario.processing import NearestWithRoom, OptimalProcessing
from optimizer.scenario.rules_day import ShopperBase
from optimizer.scenario.spec import ScenarioSpec

Collect = Callable[[ScenarioSpec, ReturnsDesk, list[Shopper], Progress], Collection]


@dataclass(frozen=True)
class ScenarioResult:
    """Both designs of the scenario's days, on the same shoppers."""

    spec: ScenarioSpec
    region: Region
    optimised: Design
    baseline: Design
    runtime_s: float

    @property
    def saved_per_processed_return_pct(self) -> float:
        """How much less a processed return costs with Backhaul than with today's practice, in percent."""
        mine = self.optimised.kpis.cost_per_processed_return_cents
        base = self.baseline.kpis.cost_per_processed_return_cents
        return round(100 * (1 - mine / base), 2) if base else 0.0

    def kpis(self) -> dict[str, Any]:
        """The `kpis.json` document: the optimised design, with the baseline's twins beside it."""
        base = self.baseline.kpis
        return {
            "scenario": self.spec.name,
            "region": self.spec.region,
            "date": self.spec.day.isoformat(),
            "days_simulated": self.spec.days,
            "seed": self.spec.seed,
            **self.optimised.kpis.to_json(),
            **{
                f"baseline_{key}": getattr(base, key)
                for key in (
                    "cost_per_return_cents",
                    "cost_per_processed_return_cents",
                    "days_to_inspection_p50",
                    "days_to_inspection_p95",
                )
            },
            "baseline_days": base.to_json()["days"],
            "saved_per_processed_return_pct": self.saved_per_processed_return_pct,
            "baseline": base.to_json(),
        }


def _region(spec: ScenarioSpec) -> Region:
    """The scenario's region with its centers closed and added and its line-haul tariff (same road graph)."""
    region = load_region(spec.region)
    changes = spec.centers
    known = {c.id for c in region.sites.centers}
    for center_id in changes.closed:
        if center_id not in known:
            raise ValueError(f"centers: no center {center_id!r} in {region.name} (known: {', '.join(sorted(known))})")
    centers = tuple(c for c in region.sites.centers if c.id not in changes.closed) + changes.added
    tariff = replace(
        region.line_haul,
        per_parcel_cents=spec.per_parcel_cents
        if spec.per_parcel_cents is not None
        else region.line_haul.per_parcel_cents,
        millicents_per_kg_km=spec.millicents_per_kg_km
        if spec.millicents_per_kg_km is not None
        else region.line_haul.millicents_per_kg_km,
    )
    sites = Sites(region.sites.depots, region.sites.drop_off_points, centers)
    changed = replace(region, sites=sites, line_haul=tariff)
    changed.__dict__["road_graph"] = region.road_graph  # same roads: share the built graph
    return changed


def _replan(
    spec: ScenarioSpec, desk: ReturnsDesk, plan: DayPlan, requests: list[PickupRequest]
) -> tuple[RoutingProblem, RoutingResult]:
    """The day re-optimised from the live plan; the live plan itself if the search finds nothing better."""
    problem = plan_problem(desk.planner, plan, requests)
    live = plan_result(problem, plan)
    result = solve(problem, time_limit_s=spec.replan_time_limit_s, seed=spec.seed, solution_limit=spec.replan_solutions)
    if result.unassigned or validate(problem, result) or result.cost.total_cents >= live.cost.total_cents:
        return problem, live
    return problem, result


def collect_with_backhaul(
    spec: ScenarioSpec, desk: ReturnsDesk, shoppers: list[Shopper], progress: Progress
) -> Collection:
    """Backhaul's collection day: shoppers book priced slots, then the day's routes are re-optimised."""
    plan, day = book_with_backhaul(spec, desk, shoppers, progress)
    by_id = {s.request.id: s for s in shoppers}
    stops = {stop.booking_id: stop for route in plan.routes.values() for stop in route.stops}
    requests = [
        booked_request(stops[rid], by_id[rid].request.address, window, by_id[rid].request.parcels())
        for rid, window in day.booked.items()
    ]
    progress("routes re-optimised", 0.0)
    _, result = _replan(spec, desk, plan, requests)
    progress("routes re-optimised", 1.0)
    depot_of = {c.id: c.start_depot_id for c in desk.planner.couriers}
    origin_of = {stop.request_id: depot_of[route.courier_id] for route in result.routes for stop in route.stops}
    points = desk.region.sites.drop_off_points
    origin_of.update({rid: points[i].id for rid, i in day.drop_offs.items()})
    depot_at = {d.id: d.location for d in desk.region.sites.depots}
    routes = [
        [lonlat(depot_at[depot_of[r.courier_id]])] + [lonlat(by_id[s.request_id].request.address) for s in r.stops]
        for r in result.routes
    ]
    driven = Driven(
        in_slot=sum(len(r.stops) for r in result.routes),  # the validator holds every stop to its slot
        courier_cents=result.cost.total_cents,
        km=result.distance_m / 1000,
        co2_g=sum(r.distance_m / 1000 * spec.fleet.vehicle_of(r.courier_id).co2_g_per_km for r in result.routes),
        hours=result.duration_s / 3600,
        vehicles=len(result.routes),
    )
    return Collection(bookings=day, driven=driven, routes=routes, origin_of=origin_of)


def _shoppers(spec: ScenarioSpec, desk: ReturnsDesk, progress: Progress, base: ShopperBase | None) -> list[Shopper]:
    """The day's returns (generated, or the demand file) located on the roads, with their shoppers.

    Under rules (`base`), each shopper is screened and its item judged; a refused one is marked
    not eligible (it never comes back, in either design).
    """
    rng = np.random.default_rng(spec.seed + 2)
    if spec.demand_file is not None:
        returns = load_requests(spec.demand_file, spec.slots.grid)
    else:
        returns = generate_returns(desk.region, spec.demand, seed=spec.seed)
    shoppers = []
    for k, request in enumerate(returns):
        point = desk.located(request.address)
        zone, nearest = desk.nearby(point, 1)
        drop_point = desk.region.sites.drop_off_points.index(nearest[0][0]) if nearest else None
        insured = bool(rng.random() < spec.insured_share)
        shoppers.append(Shopper(request, point, insured, zone, drop_point))
        if k % 100 == 0:
            progress("addresses located", k / max(1, len(returns)))
    if base is None or spec.rules is None:
        return shoppers
    judged = base.screen(spec.rules, [s.request.category for s in shoppers], [s.request.reason for s in shoppers])
    return [replace(s, screened=j) for s, j in zip(shoppers, judged, strict=True)]


def _inspections(spec: ScenarioSpec, shoppers: list[Shopper], collection: Collection) -> tuple[int, int]:
    """How many collected returns the screening flagged, and what inspecting them costs."""
    if spec.rules is None:
        return 0, 0
    prices = spec.rules.inspection_cents
    flagged = [
        s.screened.action
        for s in shoppers
        if s.screened is not None and s.screened.action != "allow" and s.request.id in collection.origin_of
    ]
    return len(flagged), sum(prices[action] for action in flagged)


def simulate(spec: ScenarioSpec, *, cache_dir: Path | None = None, progress: Progress | None = None) -> ScenarioResult:
    """Run the scenario's days with both designs on the same shoppers (same seed: same days)."""
    started = datetime.now()
    report = progress or (lambda _stage, _share: None)
    region = _region(spec)
    source = RoadNetworkSource(region, cache_dir)
    capacity = CenterCapacity(region.sites.centers, spec.centers.capacity, "centers.capacity", "")
    changes = spec.centers
    optimal = OptimalProcessing(
        capacity, changes.delay_cents_per_day + changes.hold_cents_per_day, changes.horizon_days
    )
    sides: list[tuple[str, Collect, OptimalProcessing | NearestWithRoom]] = [
        ("Backhaul", collect_with_backhaul, optimal),
        ("today's practice", collect_as_today, NearestWithRoom(capacity)),
    ]
    collected: dict[str, list[Collection]] = {name: [] for name, _, _ in sides}
    returns_by_date: dict[date, int] = {}
    base = ShopperBase(spec.rules, 5 * max(spec.returns_by_day), spec.seed) if spec.rules else None
    refused = 0
    inspected: dict[str, list[tuple[int, int]]] = {name: [] for name, _, _ in sides}
    for k in range(spec.days):
        today = spec.on_day(k)
        desk = ReturnsDesk(region, source, today.fleet, slots=today.slots, policies=PolicyBook(default=today.policy))

        def on_day(stage: str, share: float, k: int = k) -> None:
            report(f"day {k + 1} of {spec.days}: {stage}" if spec.days > 1 else stage, share)

        asked = _shoppers(today, desk, on_day, base)
        returns_by_date[today.day] = len(asked)
        shoppers = [s for s in asked if s.screened is None or s.screened.eligible]
        refused += len(asked) - len(shoppers)
        for name, collect, processing in sides:
            collection = collect(today, desk, shoppers, on_day)
            collected[name].append(collection)
            inspected[name].append(_inspections(today, shoppers, collection))
            processing.add(assignment_problem_of(desk, shoppers, collection.origin_of), today.day)
    busiest = max(range(spec.days), key=lambda k: (returns_by_date[spec.on_day(k).day], -k))
    batches = {name: processing.finish() for name, _, processing in sides}
    through = max(b.last_day() for side in batches.values() for b in side)
    designs = []
    for name, _, processing in sides:
        checks = (sum(n for n, _ in inspected[name]), sum(c for _, c in inspected[name]))
        figures = added_up(collected[name], sum(returns_by_date.values()), refused, checks)
        kpis = kpis_of(figures, returns_by_date, batches[name], processing.ledger, changes.delay_cents_per_day, through)
        routes = collected[name][busiest].routes
        designs.append(Design(name, kpis, routes, flows(region.sites, batches[name][busiest])))
    return ScenarioResult(spec, region, designs[0], designs[1], (datetime.now() - started).total_seconds())
