"""Assignment at scale: 1,000,000 returns, 30 processing centers, 6 categories, end to end.

A synthetic national-scale day (seeded): 60 consolidation points, 30 centers with total and
per-category capacities (about 10 % short of demand in total, so capacities bind), log-normal
parcel weights. Timed end to end: building the problem (validation included), the min-cost flow,
the per-return allocation, the cost split and every center's shadow prices. Then, outside the
timing: the independent validator on all returns, the nearest-center rule as the baseline, and an
independent LP optimum (HiGHS via scipy) of the same aggregated flows, which must equal the cost.
Target (issue 4): <= 10 s end to end, optimal.

    python benchmarks/assign_scale.py --returns 1000000 --runs 3
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import numpy.typing as npt
from scipy.optimize import linprog
from scipy.sparse import coo_array

from optimizer.assignment.baseline import nearest_center
from optimizer.assignment.problem import AssignmentProblem, ReturnBatch
from optimizer.assignment.result import AssignmentResult
from optimizer.assignment.solver import assign
from optimizer.assignment.validator import validate_assignment
from optimizer.domain import CenterCategory, LineHaulTariff, Location, ProcessingCenter

IntArray = npt.NDArray[np.int64]
CATEGORIES = ("apparel", "shoes", "electronics", "home", "bulky", "beauty")
MIX = (0.36, 0.14, 0.12, 0.2, 0.08, 0.1)
MEDIAN_G = (600, 1200, 900, 1800, 15000, 400)


def synthetic_columns(returns: int, seed: int) -> tuple[IntArray, IntArray, IntArray]:
    """Origin, category and weight columns of `returns` synthetic returns."""
    rng = np.random.default_rng(seed)
    origin = rng.integers(0, 60, returns)
    category = rng.choice(len(CATEGORIES), returns, p=MIX)
    weight = np.clip(rng.lognormal(np.log(np.array(MEDIAN_G)[category]), 0.6), 50, 60_000).astype(np.int64)
    return origin, category, weight


def centers_and_haul(returns: int, seed: int) -> tuple[tuple[ProcessingCenter, ...], IntArray]:
    """Synthetic processing centers and the line-haul metres to them."""
    rng = np.random.default_rng(seed + 1)
    centers = []
    per_center = returns * 0.9 / 30
    for c in range(30):
        terms = {}
        for k, name in enumerate(CATEGORIES):
            if name != "apparel" and rng.random() < 0.25:
                continue  # not every center handles every category
            line = int(per_center * MIX[k] * rng.uniform(0.8, 1.6)) if rng.random() < 0.4 else None
            terms[name] = CenterCategory(
                int(rng.integers(200, 2500)), int(rng.integers(0, 1200)), capacity_per_day=line
            )
        capacity = int(per_center * rng.uniform(0.6, 1.4))
        centers.append(ProcessingCenter(f"C{c:02d}", Location(30.0, 114.0), capacity, terms))
    haul = rng.integers(5_000, 1_500_000, (60, 30))
    return tuple(centers), haul


def build(
    columns: tuple[IntArray, IntArray, IntArray],
    ids: tuple[str, ...],
    centers: tuple[ProcessingCenter, ...],
    haul: IntArray,
) -> AssignmentProblem:
    """The assignment problem of the synthetic day."""
    origin, category, weight = columns
    batch = ReturnBatch(ids, origin, category, weight)
    return AssignmentProblem(
        tuple(f"O{i}" for i in range(60)), CATEGORIES, centers, haul, LineHaulTariff(), batch, 20_000
    )


def lp_optimum(problem: AssignmentProblem) -> float:
    """The aggregated transportation LP solved by HiGHS: an independent bound on (and check of) the flow."""
    returns = problem.returns
    kg = problem.chargeable_kg(returns.weight_g)
    key = np.stack([returns.origin, returns.category, kg], axis=1)
    groups, supply = np.unique(key, axis=0, return_counts=True)
    unit = problem.unit_cost_cents(groups[:, 0], groups[:, 1], groups[:, 2])
    terms = problem.terms
    g_idx, c_idx = np.nonzero(terms.capable[:, groups[:, 1]].T)
    n_pairs, n_groups = len(g_idx), len(groups)
    cost = np.concatenate([unit[g_idx, c_idx], np.full(n_groups, problem.unplaced_penalty_cents)]).astype(float)
    # equality: each group fully placed or unplaced
    eq = coo_array(
        (np.ones(n_pairs + n_groups), (np.concatenate([g_idx, np.arange(n_groups)]), np.arange(n_pairs + n_groups))),
        shape=(n_groups, n_pairs + n_groups),
    )
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    upper: list[int] = []
    for c in range(len(problem.centers)):
        members = np.flatnonzero(c_idx == c)
        rows.append(np.full(len(members), len(upper)))
        cols.append(members)
        upper.append(int(terms.capacity[c]))
        for k in range(len(problem.categories)):
            if terms.category_capacity[c, k] >= 0:
                line = members[groups[g_idx[members], 1] == k]
                rows.append(np.full(len(line), len(upper)))
                cols.append(line)
                upper.append(int(terms.category_capacity[c, k]))
    r, q = np.concatenate(rows), np.concatenate(cols)
    ub = coo_array((np.ones(len(r)), (r, q)), shape=(len(upper), n_pairs + n_groups))
    result = linprog(cost, A_ub=ub, b_ub=upper, A_eq=eq, b_eq=supply, bounds=(0, None), method="highs")
    assert result.status == 0, result.message
    return float(result.fun)


def main() -> None:
    """Parse the command line and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--returns", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    columns = synthetic_columns(args.returns, seed=5)
    centers, haul = centers_and_haul(args.returns, seed=5)
    ids = tuple(f"R{i:07d}" for i in range(args.returns))
    times: list[float] = []
    result: AssignmentResult | None = None
    for _ in range(args.runs):
        started = time.perf_counter()
        problem = build(columns, ids, centers, haul)
        result = assign(problem)
        times.append(time.perf_counter() - started)
    assert result is not None
    started = time.perf_counter()
    errors = validate_assignment(problem, result)
    validate_s = time.perf_counter() - started
    started = time.perf_counter()
    baseline = nearest_center(problem)
    baseline_s = time.perf_counter() - started
    started = time.perf_counter()
    lp = lp_optimum(problem)
    lp_s = time.perf_counter() - started
    print(f"{args.returns:,} returns, 30 centers, 6 categories, {result.groups:,} flow groups; {args.runs} runs")
    print(
        f"  end to end (build + flow + allocation + shadow prices): median {statistics.median(times):.2f} s "
        f"[{min(times):.2f}-{max(times):.2f}]  target <= 10 s"
    )
    print(f"  validator: {'OK' if not errors else errors[:3]} ({validate_s:.1f} s)")
    print(
        f"  LP optimum (HiGHS, {lp_s:.1f} s): {lp:,.0f} cents; flow cost {result.cost.total_cents:,} "
        f"-> {'equal: optimal' if round(lp) == result.cost.total_cents else 'DIFFERENT'}"
    )
    saved = baseline.cost.total_cents - result.cost.total_cents
    print(
        f"  nearest-center rule ({baseline_s:.2f} s): cost {baseline.cost.total_cents:,}, overflow "
        f"{baseline.unplaced_count:,}; optimal: unplaced {result.unplaced_count:,}, saves {saved:,} cents "
        f"({100 * saved / baseline.cost.total_cents:.1f} %)"
    )
    binding = sorted(((c.shadow_price_cents or 0, c.id) for c in result.centers), reverse=True)[:3]
    print("  highest shadow prices (cents per extra unit/day): " + ", ".join(f"{i} {p}" for p, i in binding))
    if errors or round(lp) != result.cost.total_cents:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
