"""Simulate a return day twice, with Backhaul and with today's practice.

Simulate a return day twice: with Backhaul (priced slots, live insertion, re-optimised routes,
optimal assignment) and with today's practice (fixed slot quotas, slot-order nearest-neighbour routes,
nearest capable center), on the same shoppers, addresses and preferences.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from optimizer.assignment.solver import assign
from optimizer.demand import generate_returns
from optimizer.domain import PickupRequest
from optimizer.geo.region import Region, Sites, load_region
from optimizer.geo.road_matrix import RoadNetworkSource
from optimizer.io.demand_json import load_requests
from optimizer.live import DayPlan, booked_request, plan_problem, plan_result
from optimizer.policy import PolicyBook
from optimizer.quoting import ReturnsDesk
from optimizer.routing import RoutingProblem, RoutingResult, solve, validate
from optimizer.scenario.baseline import todays_practice
from optimizer.scenario.choice import book_with_backhaul
from optimizer.scenario.day import Design, Progress, Shopper, assignment_problem_of, flows, lonlat
from optimizer.scenario.kpis import kpis_of
from optimizer.scenario.spec import ScenarioSpec


@dataclass(frozen=True)
class ScenarioResult:
    """Both designs of the scenario's day, on the same shoppers."""

    spec: ScenarioSpec
    region: Region
    optimised: Design
    baseline: Design
    runtime_s: float

    @property
    def saved_per_return_pct(self) -> float:
        """How much less a return costs with Backhaul than with today's practice, in percent."""
        mine, base = self.optimised.kpis.cost_per_return_cents, self.baseline.kpis.cost_per_return_cents
        return round(100 * (1 - mine / base), 2) if base else 0.0

    def kpis(self) -> dict[str, Any]:
        """The `kpis.json` document: the optimised design, with the baseline's beside it."""
        base = self.baseline.kpis
        return {
            "scenario": self.spec.name,
            "region": self.spec.region,
            "date": self.spec.day.isoformat(),
            "seed": self.spec.seed,
            **self.optimised.kpis.to_json(),
            "baseline_cost_per_return_cents": base.cost_per_return_cents,
            "saved_per_return_pct": self.saved_per_return_pct,
            "baseline": base.to_json(),
        }


def _region(spec: ScenarioSpec) -> Region:
    """The scenario's region with its center changes and line-haul tariff applied (same road graph)."""
    region = load_region(spec.region)
    changes = spec.centers
    known = {c.id for c in region.sites.centers}
    for center_id in (*changes.closed, *changes.capacity):
        if center_id not in known:
            raise ValueError(f"centers: no center {center_id!r} in {region.name} (known: {', '.join(sorted(known))})")
    centers = (
        tuple(
            replace(c, capacity_per_day=changes.capacity.get(c.id, c.capacity_per_day))
            for c in region.sites.centers
            if c.id not in changes.closed
        )
        + changes.added
    )
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


def _optimised(spec: ScenarioSpec, desk: ReturnsDesk, shoppers: list[Shopper], progress: Progress) -> Design:
    """Backhaul's day: shoppers book priced slots, the day is re-optimised, returns assigned optimally."""
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
    assignment = assign(assignment_problem_of(desk, shoppers, origin_of))
    depot_at = {d.id: d.location for d in desk.region.sites.depots}
    routes = [
        [lonlat(depot_at[depot_of[r.courier_id]])] + [lonlat(by_id[s.request_id].request.address) for s in r.stops]
        for r in result.routes
    ]
    kpis = kpis_of(
        returns=len(shoppers),
        **day.kpi_counts(),
        in_slot=sum(len(r.stops) for r in result.routes),  # the validator holds every stop to its slot
        courier_cents=result.cost.total_cents,
        km=result.distance_m / 1000,
        co2_g=sum(r.distance_m / 1000 * spec.fleet.vehicle_of(r.courier_id).co2_g_per_km for r in result.routes),
        hours=result.duration_s / 3600,
        vehicles=len(result.routes),
        result=assignment,
    )
    return Design("Backhaul", kpis, routes, flows(desk, shoppers, origin_of, assignment))


def simulate(spec: ScenarioSpec, *, cache_dir: Path | None = None, progress: Progress | None = None) -> ScenarioResult:
    """Run the scenario's day with both designs on the same shoppers (same seed: same day)."""
    started = datetime.now()
    report = progress or (lambda _stage, _share: None)
    region = _region(spec)
    source = RoadNetworkSource(region, cache_dir)
    desk = ReturnsDesk(region, source, spec.fleet, slots=spec.slots, policies=PolicyBook(default=spec.policy))
    rng = np.random.default_rng(spec.seed + 2)
    shoppers = []
    if spec.demand_file is not None:
        returns = load_requests(spec.demand_file, spec.slots.grid)
    else:
        returns = generate_returns(region, spec.demand, seed=spec.seed)
    for k, request in enumerate(returns):
        rows = desk.located(request.address)
        nearest = desk.nearest_drop_offs(rows, 1)
        drop_point = desk.region.sites.drop_off_points.index(nearest[0][0]) if nearest else None
        insured = bool(rng.random() < spec.insured_share)
        shoppers.append(Shopper(request, rows, insured, desk.nearest_depot(rows), drop_point))
        if k % 100 == 0:
            report("addresses located", k / max(1, len(returns)))
    optimised = _optimised(spec, desk, shoppers, report)
    baseline = todays_practice(spec, desk, shoppers, report)
    return ScenarioResult(spec, region, optimised, baseline, (datetime.now() - started).total_seconds())
