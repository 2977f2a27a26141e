"""The rule returns platforms use today: every return to the nearest center that can process it.

Capacity is not looked at when choosing. Returns arrive in input order; once a center (or its line
for the category) is full, later returns sent there overflow: they cannot be processed that day and
pay the same unplaced penalty the optimiser would pay, so the two costs compare like for like.
"""

from __future__ import annotations

import time

import numpy as np
import numpy.typing as npt

from optimizer.assignment.problem import AssignmentProblem
from optimizer.assignment.result import (
    AssignmentResult,
    CenterUse,
    UnplacedReason,
    UnplacedReturns,
    cost_of,
    explain_unplaced,
    usage,
)

IntArray = npt.NDArray[np.int64]


def _rank_within(keys: IntArray) -> IntArray:
    """For each element, how many earlier elements share its key (0 for the first)."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(keys)]))
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order] = np.arange(len(keys)) - run_start
    return rank


def _overflow(
    problem: AssignmentProblem, target: IntArray, center_of: IntArray, uses: list[CenterUse]
) -> tuple[UnplacedReturns, ...]:
    """Returns the rule could not place: no capable center, or the one it chose was full."""
    missing = np.flatnonzero(target < 0)
    found = list(explain_unplaced(problem, np.where(target < 0, -1, 0), uses)) if len(missing) else []
    for c in np.unique(target[(target >= 0) & (center_of < 0)]):
        indices = np.flatnonzero((target == c) & (center_of < 0))
        use = uses[int(c)]
        detail = f"sent to {use.id} (nearest capable), full at {use.capacity}/day in total or on its category line"
        found.append(UnplacedReturns(indices, UnplacedReason.NEAREST_CENTER_FULL, detail))
    return tuple(found)


def nearest_center(problem: AssignmentProblem) -> AssignmentResult:
    """Nearest capable center by road distance from the return's origin; overflow beyond capacity."""
    started = time.perf_counter()
    returns, terms = problem.returns, problem.terms
    distance = np.where(terms.capable.T[:, None, :], problem.line_haul_m[None, :, :], np.iinfo(np.int64).max)
    nearest = distance.argmin(axis=2)  # categories x origins
    reachable = np.asarray(terms.capable.any(axis=0), dtype=bool)
    target = np.where(reachable[returns.category], nearest[returns.category, returns.origin], -1)
    sent = target >= 0
    width = len(problem.categories)
    # a category line accepts its first `category capacity` returns; the center its first `capacity` of those
    pair_cap = np.where(sent, terms.category_capacity[np.maximum(target, 0), returns.category], -1)
    pair_rank = _rank_within(np.where(sent, target * width + returns.category, -1))
    line_ok = sent & ((pair_cap < 0) | (pair_rank < pair_cap))
    center_rank = _rank_within(np.where(line_ok, target, -1))
    accepted = line_ok & (center_rank < terms.capacity[np.maximum(target, 0)])
    center_of = np.where(accepted, target, -1)
    uses = usage(problem, target, center_of)
    return AssignmentResult(
        center_of=center_of,
        cost=cost_of(problem, center_of),
        centers=tuple(uses),
        unplaced=_overflow(problem, target, center_of, uses),
        runtime_s=time.perf_counter() - started,
        optimal=False,
        groups=0,
    )
