"""Where and when simulated returns are processed, day after day: today's practice as issue 11 fixes
it, Backhaul's min-cost flow over center-days, and neither ever over a center-day's capacity."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st

from optimizer.assignment.center_days import TOTAL, CenterCapacity
from optimizer.assignment.problem import MAX_PENALTY_CENTS, AssignmentProblem, ReturnBatch
from optimizer.domain import CenterCategory, ProcessingCenter
from optimizer.scenario.processing import Batch, Ledger, NearestWithRoom, OptimalProcessing
from tests.assignment.test_assignment import HERE, TARIFF

MONDAY = date(2026, 11, 16)
TUESDAY, WEDNESDAY, THURSDAY = (MONDAY + timedelta(days=k) for k in (1, 2, 3))


def shoes_center(center_id: str, capacity: int, cost_cents: int = 300) -> ProcessingCenter:
    return ProcessingCenter(center_id, HERE, capacity, {"shoes": CenterCategory(cost_cents)})


def returns(centers: tuple[ProcessingCenter, ...], metres: list[int], count: int, tag: str) -> AssignmentProblem:
    """`count` pairs of shoes waiting at one origin, `metres[c]` from center c."""
    batch = ReturnBatch(
        tuple(f"{tag}{i}" for i in range(count)),
        np.zeros(count, dtype=np.int64),
        np.zeros(count, dtype=np.int64),
        np.full(count, 1500, dtype=np.int64),
    )
    haul = np.array([metres], dtype=np.int64)
    return AssignmentProblem(("O",), ("shoes",), centers, haul, TARIFF, batch, MAX_PENALTY_CENTS)


def placed(batch: Batch) -> list[tuple[str, date | None]]:
    return [
        (batch.problem.centers[c].id if c >= 0 else "-", d)
        for c, d in zip(batch.center_of.tolist(), batch.day_of, strict=True)
    ]


def test_practice_takes_the_nearest_center_with_room_then_the_next_nearest() -> None:
    centers = (shoes_center("far", 10), shoes_center("near", 2), shoes_center("middle", 2))
    practice = NearestWithRoom(CenterCapacity(centers))
    practice.add(returns(centers, [30_000, 10_000, 20_000], 5, "m"), MONDAY)
    (batch,) = practice.finish()
    assert placed(batch) == [("near", TUESDAY)] * 2 + [("middle", TUESDAY)] * 2 + [("far", TUESDAY)]


def test_practice_queues_at_the_nearest_and_serves_the_queue_before_the_new_arrivals() -> None:
    centers = (shoes_center("near", 2), shoes_center("far", 1))
    practice = NearestWithRoom(CenterCapacity(centers))
    practice.add(returns(centers, [10_000, 20_000], 5, "m"), MONDAY)
    practice.add(returns(centers, [10_000, 20_000], 2, "t"), TUESDAY)
    monday, tuesday = practice.finish()
    # Monday's fourth and fifth wait at the nearest center and go first on Wednesday
    assert placed(monday) == [("near", TUESDAY)] * 2 + [("far", TUESDAY)] + [("near", WEDNESDAY)] * 2
    # Tuesday's returns find "near" taken by the queue: one goes far, one waits for Thursday at "near"
    assert placed(tuesday) == [("far", WEDNESDAY), ("near", THURSDAY)]
    assert monday.waits().tolist() == [0, 0, 0, 1, 1]


def test_backhaul_waits_a_day_when_that_costs_less_than_the_far_center() -> None:
    # the far center costs 10 yuan more to process; a day's delay costs 3 yuan: waiting is cheaper
    centers = (shoes_center("near", 2), shoes_center("far", 10, cost_cents=1300))
    optimal = OptimalProcessing(CenterCapacity(centers), wait_cents_per_day=300, horizon_days=3)
    optimal.add(returns(centers, [10_000, 20_000], 5, "m"), MONDAY)
    (batch,) = optimal.finish()
    assert sorted(placed(batch), key=lambda p: (p[1] or MONDAY, p[0])) == [
        ("near", TUESDAY),
        ("near", TUESDAY),
        ("near", WEDNESDAY),
        ("near", WEDNESDAY),
        ("near", THURSDAY),
    ]


def test_with_the_hold_a_return_does_not_take_a_later_place_to_save_a_few_yuan() -> None:
    # "far" costs 4 yuan more today; a day's wait costs 3 yuan, or 13 with the hold of 10
    centers = (shoes_center("near", 2), shoes_center("far", 10, cost_cents=700))
    for wait_cents_per_day, third in ((300, ("near", WEDNESDAY)), (300 + 1000, ("far", TUESDAY))):
        optimal = OptimalProcessing(CenterCapacity(centers), wait_cents_per_day, horizon_days=3)
        optimal.add(returns(centers, [10_000, 10_000], 3, "m"), MONDAY)
        (batch,) = optimal.finish()
        assert sorted(placed(batch), key=str) == sorted([("near", TUESDAY)] * 2 + [third], key=str)


def over_capacity(ledger: Ledger) -> list[tuple[str, date, str]]:
    """Every (center, date, line) that processed more than its capacity."""
    found = []
    for (center_id, day, line), used in ledger.used.items():
        center = next(c for c in ledger.capacity.centers if c.id == center_id)
        limit = ledger.capacity.limit(center, line, day)
        if line == TOTAL:
            limit = limit or 0
        if limit is not None and used > limit:
            found.append((center_id, day, line))
    return found


def total_cost(batches: list[Batch], delay_cents_per_day: int) -> int:
    """Line haul + processing - recovered + delay over every processed return: the scenario's cost model."""
    cost = 0
    for batch in batches:
        transport, processing, recovered = batch.problem.cost_parts(batch.center_of)
        cost += int(transport.sum() + processing.sum() - recovered.sum())
        cost += int(batch.waits().sum()) * delay_cents_per_day
    return cost


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    capacities=st.lists(st.integers(0, 6), min_size=2, max_size=3),
    lines=st.lists(st.one_of(st.none(), st.integers(0, 4)), min_size=3, max_size=3),
    metres=st.lists(st.integers(1_000, 60_000), min_size=3, max_size=3),
    costs=st.lists(st.integers(100, 2_000), min_size=3, max_size=3),
    days=st.lists(st.integers(0, 12), min_size=1, max_size=3),
    bulky_every=st.integers(2, 5),
)
def test_no_center_day_is_ever_over_capacity_and_one_day_optimal_never_costs_more(
    capacities: list[int],
    lines: list[int | None],
    metres: list[int],
    costs: list[int],
    days: list[int],
    bulky_every: int,
) -> None:
    centers = tuple(
        ProcessingCenter(
            f"C{c}",
            HERE,
            capacity,
            {"shoes": CenterCategory(costs[c]), **({"bulky": CenterCategory(2 * costs[c], 0, lines[c])} if c else {})},
        )
        for c, capacity in enumerate(capacities)
    )
    capacity = CenterCapacity(centers, {MONDAY + timedelta(days=2): {"C0": 1}})
    horizon, delay = 60, 300
    optimal, practice = OptimalProcessing(capacity, delay, horizon), NearestWithRoom(capacity)
    for k, count in enumerate(days):
        category = np.array([int(i % bulky_every == 0) for i in range(count)], dtype=np.int64)
        arrivals = ReturnBatch(
            tuple(f"d{k}r{i}" for i in range(count)),
            np.zeros(count, dtype=np.int64),
            category,
            np.full(count, 2_000, dtype=np.int64),
        )
        haul = np.array([metres[: len(centers)]], dtype=np.int64)
        problem = AssignmentProblem(("O",), ("shoes", "bulky"), centers, haul, TARIFF, arrivals, MAX_PENALTY_CENTS)
        optimal.add(problem, MONDAY + timedelta(days=k))
        practice.add(problem, MONDAY + timedelta(days=k))
    for side in (optimal, practice):
        batches = side.finish()
        assert over_capacity(side.ledger) == []
        for batch in batches:
            for i, (c, day) in enumerate(zip(batch.center_of.tolist(), batch.day_of, strict=True)):
                if c >= 0:
                    assert day is not None
                    assert day >= batch.first
                    line = batch.problem.categories[int(batch.problem.returns.category[i])]
                    assert line in batch.problem.centers[c].categories
    if len(days) == 1 and all(c >= 0 for b in practice.batches for c in b.center_of.tolist()):
        # on one day the practice's choice is one of the optimiser's options: it can only cost more
        assert all(c >= 0 for b in optimal.batches for c in b.center_of.tolist())
        assert total_cost(optimal.batches, delay) <= total_cost(practice.batches, delay)
