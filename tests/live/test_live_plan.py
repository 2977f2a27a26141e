"""Live plans: every booking is inserted where the fleet can serve it, and the independent validator agrees."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.demand import DemandSpec, generate_returns
from optimizer.domain import Load, Parcel, PickupRequest, SlotGrid, TimeWindow
from optimizer.fleet import FleetSpec, VehicleType
from optimizer.geo.region import Region, load_region
from optimizer.geo.road_matrix import RoadNetworkSource
from optimizer.live import DayPlan, LivePlanner, NewPickup, plan_problem, plan_result
from optimizer.live.plan_view import TREE_AFTER
from optimizer.routing.validator import validate


@pytest.fixture(scope="module")
def region() -> Region:
    return load_region("shanghai-central")


def _planner(region: Region, per_depot: int, parcels: int, radius_m: float | None = None) -> LivePlanner:
    fleet = FleetSpec(per_depot, TimeWindow(9 * 3600, 21 * 3600), VehicleType(capacity=Load(10**9, 10**9, parcels)))
    couriers = fleet.couriers(region.sites.depots)
    return LivePlanner(RoadNetworkSource(region), region.sites.depots, couriers, radius_m=radius_m)


def _book_all(planner: LivePlanner, region: Region, count: int, seed: int) -> tuple[DayPlan, list[PickupRequest], int]:
    plan = planner.empty_plan()
    slots = SlotGrid().slots
    booked: list[PickupRequest] = []
    refused = 0
    rng = np.random.default_rng(seed)
    for r in generate_returns(region, DemandSpec(count, pickup_share=1.0), seed=seed):
        pickup = NewPickup(planner.locate(r.address), 240, Load(r.weight_g, r.volume_cm3, 1), frozenset())
        window = slots[int(rng.integers(len(slots)))]
        (option,) = planner.options(plan, pickup, [window])
        if option is None:
            refused += 1
            continue
        assert window.start_s <= option.service_start_s <= window.end_s
        plan = planner.insert(plan, r.id, pickup, option)
        parcel = Parcel(r.weight_g, r.volume_cm3)
        booked.append(PickupRequest(r.id, r.address, (window,), 240, (parcel,)))
    return plan, booked, refused


def test_every_insertion_keeps_the_plan_valid_by_the_independent_validator(region: Region) -> None:
    planner = _planner(region, per_depot=2, parcels=25)
    plan, booked, refused = _book_all(planner, region, 160, seed=4)
    assert refused > 0, "the fleet (4 couriers x 25 parcels) must fill up"
    assert len(booked) <= 100
    problem = plan_problem(planner, plan, booked)
    assert validate(problem, plan_result(problem, plan)) == []
    # the plan survives its JSON form unchanged
    assert DayPlan.from_json(plan.to_json()) == plan
    # removing bookings keeps it valid too
    for request in booked[::3]:
        plan = planner.remove(plan, request.id)
    kept = [r for r in booked if r.id in plan.booking_ids()]
    assert len(kept) == len(booked) - len(booked[::3])
    problem = plan_problem(planner, plan, kept)
    assert validate(problem, plan_result(problem, plan)) == []


def test_a_full_fleet_offers_nothing_and_skills_are_respected(region: Region) -> None:
    planner = _planner(region, per_depot=1, parcels=1)
    location = region.sites.drop_off_points[0].location
    rows = planner.locate(location)
    pickup = NewPickup(rows, 120, Load(1000, 1000, 1), frozenset())
    window = TimeWindow(10 * 3600, 12 * 3600)
    plan = planner.empty_plan()
    for i in range(2):  # two couriers of one parcel each
        (option,) = planner.options(plan, pickup, [window])
        assert option is not None
        plan = planner.insert(plan, f"b{i}", pickup, option)
    assert planner.options(plan, pickup, [window]) == [None]
    bulky = NewPickup(rows, 120, Load(1000, 1000, 1), frozenset({"two_person"}))
    assert planner.options(planner.empty_plan(), bulky, [window]) == [None]


def test_marginal_cost_is_lower_next_to_an_existing_route(region: Region) -> None:
    planner = _planner(region, per_depot=1, parcels=50)
    sites = region.sites.drop_off_points
    window = TimeWindow(10 * 3600, 12 * 3600)
    first = NewPickup(planner.locate(sites[0].location), 120, Load(1, 1, 1), frozenset())
    (alone,) = planner.options(planner.empty_plan(), first, [window])
    assert alone is not None
    assert not alone.joins_route
    plan = planner.insert(planner.empty_plan(), "a", first, alone)
    (joined,) = planner.options(plan, first, [window])  # the same address again
    assert joined is not None
    assert joined.joins_route
    assert joined.marginal_cost_cents < alone.marginal_cost_cents


def test_pricing_with_a_radius_looks_only_at_routes_that_pass_near_the_address(region: Region) -> None:
    everything = _planner(region, 1, 50)
    graph = region.road_graph
    sites = region.sites.drop_off_points
    here = NewPickup(everything.locate(sites[0].location), 120, Load(1, 1, 1), frozenset())
    origin = graph.xy[here.point.node]
    metres = [float(np.hypot(*(graph.xy[everything.locate(p.location).node] - origin))) for p in sites]
    neighbour = min((m, i) for i, m in enumerate(metres) if m > 50)  # the closest other site
    next_door = NewPickup(everything.locate(sites[neighbour[1]].location), 120, Load(1, 1, 1), frozenset())
    near = _planner(region, 1, 50, radius_m=neighbour[0] / 2)
    window = TimeWindow(10 * 3600, 12 * 3600)
    (first,) = everything.options(everything.empty_plan(), here, [window])
    assert first is not None
    plan = everything.insert(everything.empty_plan(), "a", here, first)
    # a stop within the radius: the same answer as pricing every gap
    assert near.options(plan, here, [window]) == everything.options(plan, here, [window])
    # every stop beyond the radius: only the empty routes (from their depots) are priced
    (joined,) = everything.options(plan, next_door, [window])
    assert joined is not None
    assert joined.joins_route  # next door to the route: joining it is the cheapest
    (alone,) = near.options(plan, next_door, [window])
    assert alone is not None
    assert not alone.joins_route
    assert joined.marginal_cost_cents <= alone.marginal_cost_cents  # pricing every gap is never dearer


def test_a_plan_asked_often_finds_the_same_gaps_with_its_tree_as_with_a_scan(region: Region) -> None:
    planner = _planner(region, 2, 50, radius_m=300)
    window = TimeWindow(9 * 3600, 21 * 3600)
    plan = planner.empty_plan()
    points = [planner.locate(r.address) for r in generate_returns(region, DemandSpec(40, pickup_share=1.0), seed=4)]
    for k, point in enumerate(points[:30]):
        (option,) = planner.options(plan, NewPickup(point, 120, Load(1, 1, 1), frozenset()), [window])
        if option is not None:
            plan = planner.insert(plan, f"b{k}", NewPickup(point, 120, Load(1, 1, 1), frozenset()), option)
    view = planner._gaps(plan)
    addresses = [region.road_graph.xy[p.node] for p in points[30 : 30 + TREE_AFTER]]
    scanned = [view.near(xy, 300) for xy in addresses]  # the first questions: a scan
    assert "_tree" not in vars(view)
    treed = [view.near(xy, 300) for xy in addresses]  # asked again: the tree answers
    assert "_tree" in vars(view)
    assert any(a is not view for a in scanned)  # some addresses were priced on their near gaps only
    for a, b in zip(scanned, treed, strict=True):
        assert np.array_equal(a.gaps.route, b.gaps.route)
        assert np.array_equal(a.gaps.index, b.gaps.index)
