"""Today's practice on the same shoppers: fixed slot quotas per zone, slot-order nearest-neighbour routes."""

from __future__ import annotations

import itertools
import math

from optimizer.quoting import ReturnsDesk
from optimizer.scenario.day import Collection, DayBookings, Progress, Shopper, drop_off, lonlat
from optimizer.scenario.kpis import Driven
from optimizer.scenario.spec import ScenarioSpec
from optimizer.timing import serve_in_order


def collect_as_today(spec: ScenarioSpec, desk: ReturnsDesk, shoppers: list[Shopper], progress: Progress) -> Collection:
    """Today's practice on the day's shoppers (where the returns go next: `processing.NearestWithRoom`).

    Slots are sold first come until a per-zone quota; each zone's couriers visit the stops slot by
    slot, nearest neighbour first.
    """
    grid = list(spec.slots.grid.slots)
    depots = desk.region.sites.depots
    fleet = desk.planner.couriers
    per_zone = {d.id: [c for c in fleet if c.start_depot_id == d.id] for d in depots}
    quota = {
        (z, k): math.ceil(sum(c.capacity.parcels for c in per_zone[d.id]) / len(grid))
        for z, d in enumerate(depots)
        for k in range(len(grid))
    }
    day = DayBookings({}, 0, {}, [])
    slot_of: dict[str, int] = {}
    for shopper in shoppers:
        request = shopper.request
        if request.method != "pickup":
            drop_off(day, shopper)
            continue
        day.wanted_pickup += 1
        preferred = grid.index(request.preferred_slot) if request.preferred_slot in grid else 0
        open_slots = [k for k in range(len(grid)) if quota[shopper.zone, k] > 0]
        if not open_slots or not per_zone[depots[shopper.zone].id]:
            if request.category == "bulky":
                day.unserved.append(request.id)
            else:
                drop_off(day, shopper)
            continue
        k = min(open_slots, key=lambda s: (abs(s - preferred), s))
        quota[shopper.zone, k] -= 1
        slot_of[request.id] = k
        day.booked[request.id] = grid[k]
    progress("baseline routes", 0.0)
    by_id = {s.request.id: s for s in shoppers}
    booked = list(day.booked)
    matrix = desk.source.matrix_for([d.location for d in depots] + [by_id[r].request.address for r in booked])
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
            slots = [grid[slot_of[rid]] for rid in sequence]
            service = [(by_id[rid].request.weight_g >= 20_000 and 420) or 180 for rid in sequence]
            timed = serve_in_order(start, legs, [(slot,) for slot in slots], service)
            in_slot += sum(begin <= slot.end_s for begin, slot in zip(timed.service_starts_s, slots, strict=True))
            origin_of.update(dict.fromkeys(sequence, depot.id))
            end = timed.departure_s + legs[-1]
            km += metres / 1000
            co2_g += metres / 1000 * spec.fleet.vehicle_of(courier.id).co2_g_per_km
            hours += (end - start) / 3600
            cents += courier.fixed_cost_cents + metres / 1000 * courier.cost_per_km_cents
            cents += (end - start) / 3600 * courier.cost_per_hour_cents
            routes.append([lonlat(depot.location)] + [lonlat(by_id[r].request.address) for r in sequence])
    drop_points = desk.region.sites.drop_off_points
    origin_of.update({rid: drop_points[i].id for rid, i in day.drop_offs.items()})
    return Collection(day, Driven(in_slot, cents, km, co2_g, hours, used), routes, origin_of)
