"""An independent optimum for assignment tests: one binary per (return, capable center), solved by
HiGHS through scipy's MILP interface, sharing nothing with the flow model but the cost rules."""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_array

from optimizer.assignment.problem import AssignmentProblem


def return_cost_cents(problem: AssignmentProblem, i: int, c: int) -> int:
    """The documented cost rule, written out for one return: fee + tariff + processing - recovery."""
    returns, tariff = problem.returns, problem.tariff
    kg = max(1, -(-int(returns.weight_g[i]) // 1000))
    metres = int(problem.line_haul_m[returns.origin[i], c])
    transport = tariff.per_parcel_cents + (tariff.millicents_per_kg_km * kg * metres + 500_000) // 1_000_000
    terms = problem.centers[c].categories[problem.categories[int(returns.category[i])]]
    return transport + terms.cost_cents - terms.recovery_cents


def milp_optimum(problem: AssignmentProblem, capacity_bump: tuple[int, str | None] | None = None) -> int:
    """Optimal total cents (penalties included); `capacity_bump=(c, category)` adds one unit of capacity."""
    returns = problem.returns
    pairs = [
        (i, c)
        for i in range(len(returns))
        for c, center in enumerate(problem.centers)
        if problem.categories[int(returns.category[i])] in center.categories
    ]
    n = len(pairs) + len(returns)  # then one "unplaced" variable per return
    cost = np.array(
        [return_cost_cents(problem, i, c) for i, c in pairs] + [problem.unplaced_penalty_cents] * len(returns),
        dtype=np.float64,
    )
    rows: list[tuple[list[int], float, float]] = []
    for i in range(len(returns)):
        rows.append(([k for k, (j, _) in enumerate(pairs) if j == i] + [len(pairs) + i], 1, 1))
    for c, center in enumerate(problem.centers):
        bump = capacity_bump is not None and capacity_bump == (c, None)
        rows.append(([k for k, (_, d) in enumerate(pairs) if d == c], 0, center.capacity_per_day + bump))
        for category, terms in center.categories.items():
            if terms.capacity_per_day is None:
                continue
            members = [
                k
                for k, (j, d) in enumerate(pairs)
                if d == c and problem.categories[int(returns.category[j])] == category
            ]
            extra = capacity_bump is not None and capacity_bump == (c, category)
            rows.append((members, 0, terms.capacity_per_day + extra))
    matrix = lil_array((len(rows), n))
    for r, (members, _, _) in enumerate(rows):
        for k in members:
            matrix[r, k] = 1
    constraint = LinearConstraint(matrix.tocsr(), [lo for _, lo, _ in rows], [hi for _, _, hi in rows])
    result = milp(cost, constraints=constraint, integrality=np.ones(n), bounds=Bounds(0, 1), options={"mip_rel_gap": 0})
    assert result.success, result.message
    optimum: float = result.fun
    return round(optimum)
