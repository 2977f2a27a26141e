"""The JSON report of `backhaul assign --json` (docs/formats.md, "Assignment report")."""

from __future__ import annotations

from typing import Any

from optimizer.assignment.problem import AssignmentProblem
from optimizer.assignment.result import AssignmentResult, CenterUse, CostSplit


def _cost(cost: CostSplit) -> dict[str, int]:
    return {
        "transport_cents": cost.transport_cents,
        "processing_cents": cost.processing_cents,
        "recovered_cents": cost.recovered_cents,
        "unplaced_penalty_cents": cost.unplaced_penalty_cents,
        "total_cents": cost.total_cents,
    }


def _center(use: CenterUse) -> dict[str, Any]:
    categories: dict[str, Any] = {}
    for name, used in use.used_by_category.items():
        entry: dict[str, Any] = {"used": used}
        if name in use.category_capacity:
            entry["capacity"] = use.category_capacity[name]
            if use.category_shadow_price_cents is not None:
                entry["shadow_price_cents"] = use.category_shadow_price_cents.get(name, 0)
        categories[name] = entry
    document: dict[str, Any] = {"id": use.id, "capacity": use.capacity, "used": use.used}
    if use.shadow_price_cents is not None:
        document["shadow_price_cents"] = use.shadow_price_cents
    else:
        document["demand"] = use.demand
    document["utilisation"] = round(use.used / use.capacity, 4) if use.capacity else None
    document["categories"] = categories
    return document


def savings(optimal: AssignmentResult, baseline: AssignmentResult) -> tuple[int, float | None]:
    """Cents saved against the baseline, and that as a percentage of the baseline (None if it is not positive)."""
    saved = baseline.cost.total_cents - optimal.cost.total_cents
    base = baseline.cost.total_cents
    return saved, (round(100.0 * saved / base, 2) if base > 0 else None)


def assignment_to_dict(
    problem: AssignmentProblem, optimal: AssignmentResult, baseline: AssignmentResult, *, region: str
) -> dict[str, Any]:
    """Everything a planner needs: per-return centers, costs, center use and shadow prices, the baseline."""
    ids, centers = problem.returns.ids, problem.centers
    saved, saved_pct = savings(optimal, baseline)
    center_of = optimal.center_of.tolist()
    return {
        "region": region,
        "returns": len(ids),
        "optimal": optimal.optimal,
        "total_cost_cents": optimal.cost.total_cents,
        "lower_bound_cents": optimal.cost.total_cents,
        "cost": _cost(optimal.cost),
        "baseline_cost_cents": baseline.cost.total_cents,
        "saved_cents": saved,
        "saved_pct": saved_pct,
        "unassigned": [
            {"id": ids[int(i)], "reason": group.reason.value, "detail": group.detail}
            for group in optimal.unplaced
            for i in group.indices
        ],
        "centers": [_center(use) for use in optimal.centers],
        "baseline": {
            "rule": "nearest_capable_center",
            "cost": _cost(baseline.cost),
            "overflow": baseline.unplaced_count,
            "centers": [_center(use) for use in baseline.centers],
        },
        "assignments": [
            {
                "id": ids[i],
                "origin_id": problem.origin_ids[int(problem.returns.origin[i])],
                "center_id": centers[c].id if c >= 0 else None,
            }
            for i, c in enumerate(center_of)
        ],
        "runtime_s": round(optimal.runtime_s, 4),
        "flow_groups": optimal.groups,
    }
