"""Simulate a return day twice: with Backhaul (priced slots, live insertion, re-optimised routes,
optimal assignment) and with today's practice (fixed slot quotas, slot-order nearest-neighbour routes,
nearest capable center), on the same shoppers, addresses and preferences.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from optimizer.assignment.baseline import nearest_center
from optimizer.assignment.from_region import ReturnItem, assignment_problem
from optimizer.assignment.result import AssignmentResult
from optimizer.assignment.solve import assign
from optimizer.demand import ReturnRequest, generate_returns
from optimizer.domain import Location, Parcel, PickupRequest, TimeWindow
from optimizer.geo.region import Region, Sites, load_region
from optimizer.geo.road_matrix import PointRows, RoadNetworkSource
from optimizer.io.demand_json import load_requests
from optimizer.live_plan import DayPlan, plan_problem, plan_result
from optimizer.policy import PolicyBook, is_quality_problem
from optimizer.quoting import ReturnsDesk, SlotOffer
from optimizer.routing.result import RoutingResult
from optimizer.routing.solve import solve
from optimizer.routing.validate import validate
from optimizer.scenario.spec import ScenarioSpec

Progress = Callable[[str, float], None]
"""Called with a stage name and the share of it done (0 to 1)."""


@dataclass(frozen=True)
class Shopper:
    """One return as the simulation sees it: the request, where it is on the roads, and the shopper."""

    request: ReturnRequest
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
    kpis: dict[str, Any]
    routes: list[list[tuple[float, float]]]
    flows: list[tuple[tuple[float, float], tuple[float, float], int]]


@dataclass(frozen=True)
class ScenarioResult:
    spec: ScenarioSpec
    region: Region
    optimised: Design
    baseline: Design
    runtime_s: float

    def kpis(self) -> dict[str, Any]:
        """The report's figures: the optimised design, with the baseline's beside it."""
        mine, base = self.optimised.kpis, self.baseline.kpis
        saved = (
            1 - mine["cost_per_return_cents"] / base["cost_per_return_cents"] if base["cost_per_return_cents"] else 0.0
        )
        return {
            "scenario": self.spec.name,
            "region": self.spec.region,
            "date": self.spec.day.isoformat(),
            "seed": self.spec.seed,
            **mine,
            "baseline_cost_per_return_cents": base["cost_per_return_cents"],
            "saved_per_return_pct": round(100 * saved, 2),
            "baseline": base,
        }


def _region(spec: ScenarioSpec) -> Region:
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


def _logit(rng: np.random.Generator, utilities: list[float]) -> int:
    top = max(utilities)
    weights = np.exp(np.array(utilities) - top)
    return int(rng.choice(len(utilities), p=weights / weights.sum()))


def _pays(spec: ScenarioSpec, shopper: Shopper, amount: int) -> int:
    """What the shopper pays of `amount`: nothing when the merchant pays (quality, or by policy)."""
    if spec.merchant_pays_shipping or is_quality_problem(shopper.request.reason):
        return 0
    shares = spec.policy.split(amount, reason=shopper.request.reason, insured=shopper.insured)
    return sum(a for payer, a in shares if payer.value == "customer")


@dataclass
class _Day:
    """Bookings and drop-offs of one design as they happen."""

    booked: dict[str, TimeWindow]
    wanted_pickup: int
    drop_offs: dict[str, int]
    """Return id -> drop-off point index."""
    unserved: list[str]


def _drop_off(day: _Day, shopper: Shopper) -> None:
    """The shopper drops the return off at the nearest point (unserved if the region has none)."""
    if shopper.drop_point is None:
        day.unserved.append(shopper.request.id)
    else:
        day.drop_offs[shopper.request.id] = shopper.drop_point


def _choose_optimised(
    spec: ScenarioSpec, desk: ReturnsDesk, shoppers: list[Shopper], progress: Progress
) -> tuple[DayPlan, _Day]:
    rng = np.random.default_rng(spec.seed + 1)
    planner, choice = desk.planner, spec.choice
    plan = planner.empty_plan()
    now = datetime.combine(spec.day - timedelta(days=1), time(12), desk.zone)
    day = _Day({}, 0, {}, [])
    grid = list(spec.slots.grid.slots)
    for k, shopper in enumerate(shoppers):
        request = shopper.request
        if request.method != "pickup":
            _drop_off(day, shopper)
            continue
        day.wanted_pickup += 1
        pickup = desk.pickup(shopper.rows, [Parcel(request.weight_g, request.volume_cm3)])
        offers = [o for o in desk.slot_offers({spec.day: plan}, pickup, now) if o.available]
        preferred = grid.index(request.preferred_slot) if request.preferred_slot in grid else 0
        utilities, picks = [], []
        for offer in offers:
            assert offer.insertion is not None
            price = _pays(spec, shopper, spec.policy.pickup_fee_cents + offer.insertion.marginal_cost_cents)
            utility = (
                (choice.preferred_bonus if grid.index(offer.window) == preferred else 0.0)
                - choice.shift_penalty * abs(grid.index(offer.window) - preferred)
                - choice.price_per_yuan * price / 100
            )
            if spec.green_labels and desk.is_green(offer):
                utility += choice.green_bonus
            utilities.append(utility)
            picks.append(offer)
        if shopper.drop_point is not None and request.category != "bulky":
            origin = len(desk.region.sites.depots) + shopper.drop_point
            at_point = desk.center_for(origin, request.category, request.weight_g)
            price = _pays(spec, shopper, spec.policy.drop_off_fee_cents + (at_point.transport_cents if at_point else 0))
            utilities.append(-choice.switch_penalty - choice.price_per_yuan * price / 100)
        if not utilities:
            day.unserved.append(request.id)
            continue
        chosen = _logit(rng, utilities)
        if chosen < len(picks):
            taken: SlotOffer = picks[chosen]
            assert taken.insertion is not None
            plan = planner.insert(plan, request.id, pickup, taken.insertion)
            day.booked[request.id] = taken.window
        else:
            _drop_off(day, shopper)
        if k % 50 == 0:
            progress("shoppers book", k / len(shoppers))
    return plan, day


def _requests(
    shoppers: dict[str, Shopper], booked: dict[str, TimeWindow], service: dict[str, int]
) -> list[PickupRequest]:
    return [
        PickupRequest(
            rid,
            shoppers[rid].request.location,
            (window,),
            service[rid],
            (Parcel(shoppers[rid].request.weight_g, shoppers[rid].request.volume_cm3),),
        )
        for rid, window in booked.items()
    ]


def _replan(
    spec: ScenarioSpec, desk: ReturnsDesk, plan: DayPlan, requests: list[PickupRequest]
) -> tuple[Any, RoutingResult]:
    """The day re-optimised from the live plan; the live plan itself if the search finds nothing better."""
    problem = plan_problem(desk.planner, plan, requests)
    live = plan_result(problem, plan)
    result = solve(problem, time_limit_s=spec.replan_time_limit_s, seed=spec.seed, solution_limit=spec.replan_solutions)
    if result.unassigned or validate(problem, result) or result.cost.total_cents >= live.cost.total_cents:
        return problem, live
    return problem, result


def _assignment(desk: ReturnsDesk, shoppers: list[Shopper], origin_of: dict[str, str]) -> Any:
    items = [
        ReturnItem(s.request.id, s.request.category, s.request.weight_g, origin_id=origin_of[s.request.id])
        for s in shoppers
        if s.request.id in origin_of
    ]
    return assignment_problem(desk.region, items, source=desk.source)


def _kpis(
    *,
    returns: int,
    day: _Day,
    in_slot: int,
    courier_cents: float,
    km: float,
    co2_g: float,
    hours: float,
    vehicles: int,
    result: AssignmentResult,
) -> dict[str, Any]:
    cost = result.cost
    total = courier_cents + cost.total_cents
    placed = returns - result.unplaced_count - len(day.unserved)
    reasons = Counter(group.reason.value for group in result.unplaced for _ in group.indices)
    reasons.update({"no_pickup_slot": len(day.unserved)})
    return {
        "returns": returns,
        "pickups_requested": day.wanted_pickup,
        "pickups_booked": len(day.booked),
        "drop_offs": len(day.drop_offs),
        "pickups_in_slot_pct": round(100 * in_slot / len(day.booked), 2) if day.booked else 100.0,
        "cost_cents": {
            "pickup": round(courier_cents),
            "line_haul": cost.transport_cents,
            "processing": cost.processing_cents,
            "recovered": -cost.recovered_cents,
            "unplaced_penalty": cost.unplaced_penalty_cents,
            "total": round(total),
        },
        "cost_per_return_cents": round(total / returns) if returns else 0,
        "cost_per_return_excl_penalty_cents": round((total - cost.unplaced_penalty_cents) / returns) if returns else 0,
        "cost_per_placed_return_cents": round((total - cost.unplaced_penalty_cents) / placed) if placed else 0,
        "courier_km": round(km, 1),
        "courier_hours": round(hours, 2),
        "vehicles_used": vehicles,
        "co2_kg": round(co2_g / 1000, 1),
        "unplaced_returns": result.unplaced_count + len(day.unserved),
        "unplaced_reasons": dict(sorted((k, v) for k, v in reasons.items() if v)),
        "centers": [{"id": c.id, "capacity": c.capacity, "used": c.used, "demand": c.demand} for c in result.centers],
    }


def _optimised(spec: ScenarioSpec, desk: ReturnsDesk, shoppers: list[Shopper], progress: Progress) -> Design:
    plan, day = _choose_optimised(spec, desk, shoppers, progress)
    by_id = {s.request.id: s for s in shoppers}
    service = {s.booking_id: s.service_s for route in plan.routes.values() for s in route.stops}
    progress("routes re-optimised", 0.0)
    _, result = _replan(spec, desk, plan, _requests(by_id, day.booked, service))
    progress("routes re-optimised", 1.0)
    depot_of = {c.id: c.start_depot_id for c in desk.planner.couriers}
    origin_of = {stop.request_id: depot_of[route.courier_id] for route in result.routes for stop in route.stops}
    points = desk.region.sites.drop_off_points
    origin_of.update({rid: points[i].id for rid, i in day.drop_offs.items()})
    assignment = assign(_assignment(desk, shoppers, origin_of))
    depot_at = {d.id: d.location for d in desk.region.sites.depots}
    routes = [
        [_lonlat(depot_at[depot_of[r.courier_id]])] + [_lonlat(by_id[s.request_id].request.location) for s in r.stops]
        for r in result.routes
    ]
    kpis = _kpis(
        returns=len(shoppers),
        day=day,
        in_slot=sum(len(r.stops) for r in result.routes),  # the validator holds every stop to its slot
        courier_cents=result.cost.total_cents,
        km=result.distance_m / 1000,
        co2_g=sum(r.distance_m / 1000 * spec.fleet.vehicle_of(r.courier_id).co2_g_per_km for r in result.routes),
        hours=result.duration_s / 3600,
        vehicles=len(result.routes),
        result=assignment,
    )
    return Design("Backhaul", kpis, routes, _flows(desk, shoppers, origin_of, assignment))


def _flows(
    desk: ReturnsDesk, shoppers: list[Shopper], origin_of: dict[str, str], result: AssignmentResult
) -> list[tuple[tuple[float, float], tuple[float, float], int]]:
    sites = {d.id: d.location for d in desk.region.sites.depots} | {
        p.id: p.location for p in desk.region.sites.drop_off_points
    }
    centers = desk.region.sites.centers
    placed = [s.request.id for s in shoppers if s.request.id in origin_of]
    counts = Counter(
        (origin_of[rid], centers[int(c)].id) for rid, c in zip(placed, result.center_of.tolist(), strict=True) if c >= 0
    )
    where = {c.id: c.location for c in centers}
    return [(_lonlat(sites[o]), _lonlat(where[c]), n) for (o, c), n in sorted(counts.items())]


def _lonlat(location: Location) -> tuple[float, float]:
    return (location.lon, location.lat)


def _baseline(spec: ScenarioSpec, desk: ReturnsDesk, shoppers: list[Shopper], progress: Progress) -> Design:
    """Today's practice: slots sold first come until a per-zone quota; each zone's couriers visit the
    stops slot by slot, nearest neighbour first; every return to the nearest capable center."""
    grid = list(spec.slots.grid.slots)
    depots = desk.region.sites.depots
    fleet = desk.planner.couriers
    per_zone = {d.id: [c for c in fleet if c.start_depot_id == d.id] for d in depots}
    quota = {
        (z, k): math.ceil(sum(c.capacity.parcels for c in per_zone[d.id]) / len(grid))
        for z, d in enumerate(depots)
        for k in range(len(grid))
    }
    day = _Day({}, 0, {}, [])
    slot_of: dict[str, int] = {}
    for shopper in shoppers:
        request = shopper.request
        if request.method != "pickup":
            _drop_off(day, shopper)
            continue
        day.wanted_pickup += 1
        preferred = grid.index(request.preferred_slot) if request.preferred_slot in grid else 0
        open_slots = [k for k in range(len(grid)) if quota[shopper.zone, k] > 0]
        if not open_slots or not per_zone[depots[shopper.zone].id]:
            if request.category == "bulky":
                day.unserved.append(request.id)
            else:
                _drop_off(day, shopper)
            continue
        k = min(open_slots, key=lambda s: (abs(s - preferred), s))
        quota[shopper.zone, k] -= 1
        slot_of[request.id] = k
        day.booked[request.id] = grid[k]
    progress("baseline routes", 0.0)
    by_id = {s.request.id: s for s in shoppers}
    booked = list(day.booked)
    matrix = desk.source.matrix_for([d.location for d in depots] + [by_id[r].request.location for r in booked])
    index = {rid: len(depots) + i for i, rid in enumerate(booked)}
    in_slot, cents, km, co2_g, hours, used = 0, 0.0, 0.0, 0.0, 0.0, 0
    routes: list[list[tuple[float, float]]] = []
    origin_of: dict[str, str] = {}
    for z, depot in enumerate(depots):
        couriers = per_zone[depot.id]
        stops: list[list[str]] = [[] for _ in couriers]
        here = [z] * len(couriers)
        for k in range(len(grid)):
            waiting = [rid for rid in booked if by_id[rid].zone == z and slot_of[rid] == k]
            turn = 0
            while waiting:  # couriers take turns: each goes to the stop nearest to where it is
                c = turn % len(couriers)
                nearest = min(waiting, key=lambda rid: (matrix.duration_s[here[c], index[rid]], rid))
                waiting.remove(nearest)
                stops[c].append(nearest)
                here[c] = index[nearest]
                turn += 1
        for courier, sequence in zip(couriers, stops, strict=True):
            if not sequence:
                continue
            used += 1
            points = [z] + [index[r] for r in sequence] + [z]
            legs = [int(matrix.duration_s[a, b]) for a, b in itertools.pairwise(points)]
            metres = sum(int(matrix.distance_m[a, b]) for a, b in itertools.pairwise(points))
            start = max(courier.shift.start_s, grid[slot_of[sequence[0]]].start_s - legs[0])
            t = start
            for rid, leg in zip(sequence, legs, strict=False):
                window = grid[slot_of[rid]]
                t = max(t + leg, window.start_s)
                in_slot += t <= window.end_s
                t += (by_id[rid].request.weight_g >= 20_000 and 420) or 180
                origin_of[rid] = depot.id
            end = t + legs[-1]
            km += metres / 1000
            co2_g += metres / 1000 * spec.fleet.vehicle_of(courier.id).co2_g_per_km
            hours += (end - start) / 3600
            cents += courier.fixed_cost_cents + metres / 1000 * courier.cost_per_km_cents
            cents += (end - start) / 3600 * courier.cost_per_hour_cents
            routes.append([_lonlat(depot.location)] + [_lonlat(by_id[r].request.location) for r in sequence])
    drop_points = desk.region.sites.drop_off_points
    origin_of.update({rid: drop_points[i].id for rid, i in day.drop_offs.items()})
    assignment = nearest_center(_assignment(desk, shoppers, origin_of))
    kpis = _kpis(
        returns=len(shoppers),
        day=day,
        in_slot=in_slot,
        courier_cents=cents,
        km=km,
        co2_g=co2_g,
        hours=hours,
        vehicles=used,
        result=assignment,
    )
    return Design("today's practice", kpis, routes, _flows(desk, shoppers, origin_of, assignment))


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
        rows = desk.located(request.location)
        nearest = desk.nearest_drop_offs(rows, 1)
        drop_point = desk.region.sites.drop_off_points.index(nearest[0][0]) if nearest else None
        insured = bool(rng.random() < spec.insured_share)
        shoppers.append(Shopper(request, rows, insured, desk.nearest_depot(rows), drop_point))
        if k % 100 == 0:
            report("addresses located", k / max(1, len(returns)))
    optimised = _optimised(spec, desk, shoppers, report)
    baseline = _baseline(spec, desk, shoppers, report)
    return ScenarioResult(spec, region, optimised, baseline, (datetime.now() - started).total_seconds())
