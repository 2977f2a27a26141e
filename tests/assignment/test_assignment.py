"""Assignment of returns to processing centers: exact optimum, shadow prices, reasons, baseline."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from optimizer.assignment.baseline import nearest_center
from optimizer.assignment.problem import AssignmentProblem, ReturnBatch
from optimizer.assignment.result import UnplacedReason
from optimizer.assignment.solver import assign
from optimizer.assignment.validator import validate_assignment
from optimizer.domain import CenterCategory, LineHaulTariff, Location, ProcessingCenter
from optimizer.errors import ValidationError
from tests.assignment.assignment_milp import milp_optimum, return_cost_cents

HERE = Location(22.7, 114.3)
TARIFF = LineHaulTariff(per_parcel_cents=100, millicents_per_kg_km=600)


def batch(rows: list[tuple[int, int, int]]) -> ReturnBatch:
    """Returns from (origin, category, grams) rows."""
    return ReturnBatch(
        tuple(f"r{i}" for i in range(len(rows))),
        np.array([r[0] for r in rows], dtype=np.int64),
        np.array([r[1] for r in rows], dtype=np.int64),
        np.array([r[2] for r in rows], dtype=np.int64),
    )


def center(center_id: str, capacity: int, **categories: CenterCategory) -> ProcessingCenter:
    return ProcessingCenter(center_id, HERE, capacity, categories)


def test_cheapest_center_wins_until_full_then_next() -> None:
    # one origin; A is 10 km away, B 30 km; A takes 2 returns a day
    centers = (center("A", 2, shoes=CenterCategory(300)), center("B", 10, shoes=CenterCategory(300)))
    problem = AssignmentProblem(
        ("O",), ("shoes",), centers, np.array([[10_000, 30_000]]), TARIFF, batch([(0, 0, 1500)] * 3)
    )
    result = assign(problem)
    assert sorted(result.center_of.tolist()) == [0, 0, 1]
    # 2 kg chargeable: 100 + 0.6 * 2 * 10 = 112 (A), 100 + 0.6 * 2 * 30 = 136 (B); plus 300 processing each
    assert result.cost.total_cents == 2 * 412 + 436
    # one more unit at A would move the third return from B to A: saves 24 cents
    assert result.centers[0].shadow_price_cents == 24
    assert result.centers[1].shadow_price_cents == 0
    assert validate_assignment(problem, result) == []


def test_recovery_value_can_beat_distance() -> None:
    centers = (
        center("near", 10, electronics=CenterCategory(1500, recovery_cents=200)),
        center("far", 10, electronics=CenterCategory(1500, recovery_cents=1200)),
    )
    problem = AssignmentProblem(
        ("O",), ("electronics",), centers, np.array([[5_000, 60_000]]), TARIFF, batch([(0, 0, 800)])
    )
    assert assign(problem).center_of.tolist() == [1]  # 1000 cents more recovered beats 33 cents more haul
    assert nearest_center(problem).center_of.tolist() == [0]


def test_reasons_name_missing_capability_and_full_centers() -> None:
    centers = (
        center("A", 1, apparel=CenterCategory(250)),
        center("B", 5, apparel=CenterCategory(250), bulky=CenterCategory(2500, capacity_per_day=0)),
    )
    problem = AssignmentProblem(
        ("O",),
        ("apparel", "bulky", "electronics"),
        centers,
        np.array([[10_000, 20_000]]),
        TARIFF,
        batch([(0, 1, 20_000), (0, 2, 900), (0, 0, 500)]),
    )
    result = assign(problem)
    by_reason = {group.reason: (group.indices.tolist(), group.detail) for group in result.unplaced}
    assert by_reason[UnplacedReason.NO_CAPABLE_CENTER][0] == [1]
    assert by_reason[UnplacedReason.CAPABLE_CENTERS_FULL] == ([0], "full: B (bulky 0/day)")
    assert result.center_of[2] == 0
    assert validate_assignment(problem, result) == []


def test_penalty_cheaper_than_a_far_center_is_reported_as_such() -> None:
    centers = (center("far", 5, home=CenterCategory(450)),)
    problem = AssignmentProblem(
        ("O",), ("home",), centers, np.array([[9_000_000]]), TARIFF, batch([(0, 0, 30_000)]), unplaced_penalty_cents=500
    )
    result = assign(problem)
    assert result.unplaced[0].reason is UnplacedReason.COSTS_MORE_THAN_PENALTY
    assert result.cost.total_cents == 500


def test_baseline_overflows_first_come_and_respects_category_lines() -> None:
    centers = (
        center("A", 3, apparel=CenterCategory(250), bulky=CenterCategory(2500, capacity_per_day=1)),
        center("B", 10, apparel=CenterCategory(250), bulky=CenterCategory(2500)),
    )
    rows = [(0, 1, 20_000), (0, 1, 20_000), (0, 0, 500), (0, 0, 500), (0, 0, 500)]
    problem = AssignmentProblem(("O",), ("apparel", "bulky"), centers, np.array([[1_000, 50_000]]), TARIFF, batch(rows))
    baseline = nearest_center(problem)
    # all go to A: the second bulky overflows its line, then apparel fills A's 3 places (1 bulky + 2 apparel)
    assert baseline.center_of.tolist() == [0, -1, 0, 0, -1]
    assert baseline.centers[0].demand == 5
    assert baseline.centers[0].used == 3
    optimal = assign(problem)
    assert optimal.unplaced_count == 0
    assert optimal.cost.total_cents < baseline.cost.total_cents


def test_bad_problems_name_the_field() -> None:
    with pytest.raises(ValidationError, match="categories"):
        ProcessingCenter("X", HERE, 5, {})
    with pytest.raises(ValidationError, match="capacity_per_day"):
        ProcessingCenter("X", HERE, -1, {"a": CenterCategory(1)})
    with pytest.raises(ValidationError, match="capacity_per_day"):
        CenterCategory(1, capacity_per_day=-3)
    with pytest.raises(ValidationError, match=r"returns\[1\]\.weight_g"):
        batch([(0, 0, 10), (0, 0, 0)])
    with pytest.raises(ValidationError, match=r"returns\[0\]\.category"):
        AssignmentProblem(
            ("O",), ("a",), (center("A", 1, a=CenterCategory(1)),), np.array([[1]]), TARIFF, batch([(0, 4, 9)])
        )
    with pytest.raises(ValidationError, match=r"centers\[0\]\.categories\.zz"):
        AssignmentProblem(("O",), ("a",), (center("A", 1, zz=CenterCategory(1)),), np.array([[1]]), TARIFF, batch([]))


@st.composite
def problems(draw: st.DrawFn) -> AssignmentProblem:
    categories = ("apparel", "shoes", "electronics")
    n_centers = draw(st.integers(1, 4))
    n_origins = draw(st.integers(1, 3))
    centers = []
    for c in range(n_centers):
        offered = draw(st.lists(st.sampled_from(categories), min_size=1, max_size=3, unique=True))
        terms = {
            name: CenterCategory(
                draw(st.integers(0, 2000)),
                draw(st.integers(0, 2500)),
                draw(st.one_of(st.none(), st.integers(0, 6))),
            )
            for name in offered
        }
        centers.append(ProcessingCenter(f"C{c}", HERE, draw(st.integers(0, 8)), terms))
    rows = draw(
        st.lists(
            st.tuples(st.integers(0, n_origins - 1), st.integers(0, 2), st.integers(1, 25_000)), min_size=1, max_size=18
        )
    )
    haul = np.array(
        draw(st.lists(st.integers(0, 80_000), min_size=n_origins * n_centers, max_size=n_origins * n_centers))
    )
    penalty = draw(st.sampled_from([300, 5_000, 20_000]))
    return AssignmentProblem(
        tuple(f"O{i}" for i in range(n_origins)),
        categories,
        tuple(centers),
        haul.reshape(n_origins, n_centers),
        TARIFF,
        batch(rows),
        unplaced_penalty_cents=penalty,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_flow_optimum_equals_independent_milp_and_never_breaks_a_rule(problem: AssignmentProblem) -> None:
    result = assign(problem)
    assert validate_assignment(problem, result) == []
    assert result.cost.total_cents == milp_optimum(problem)
    placed = np.flatnonzero(result.center_of >= 0)
    # the reported split adds up to the per-return rule
    assert result.cost.total_cents == sum(
        return_cost_cents(problem, int(i), int(result.center_of[i])) for i in placed
    ) + problem.unplaced_penalty_cents * (len(problem.returns) - len(placed))
    baseline = nearest_center(problem)
    assert validate_assignment(problem, baseline) == []
    assert result.cost.total_cents <= baseline.cost.total_cents


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_shadow_prices_equal_the_saving_of_one_more_unit(problem: AssignmentProblem) -> None:
    result = assign(problem)
    optimum = result.cost.total_cents
    for c, use in enumerate(result.centers):
        assert use.shadow_price_cents == optimum - milp_optimum(problem, (c, None)), use.id
        for category, price in (use.category_shadow_price_cents or {}).items():
            assert price == optimum - milp_optimum(problem, (c, category)), (use.id, category)
