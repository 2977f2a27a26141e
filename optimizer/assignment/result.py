"""What an assignment run reports: per-return centers, the cost split, center use and reasons."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from optimizer.assignment.problem import AssignmentProblem

IntArray = npt.NDArray[np.int64]


class UnplacedReason(StrEnum):
    """Why a return has no center today; each names what a planner would change."""

    NO_CAPABLE_CENTER = "no_capable_center"
    """No center processes this category: add the capability somewhere."""
    CAPABLE_CENTERS_FULL = "capable_centers_full"
    """Every center that could take it is at its total or category capacity (the detail lists them)."""
    COSTS_MORE_THAN_PENALTY = "costs_more_than_penalty"
    """A center has room, but sending it there costs more than leaving it unplaced."""
    NEAREST_CENTER_FULL = "nearest_center_full"
    """Only under the nearest-center rule: the one center it is sent to is already full that day."""


@dataclass(frozen=True)
class CostSplit:
    """Cents of a whole assignment: what is paid, what is recovered, and the price of what is left."""

    transport_cents: int
    processing_cents: int
    recovered_cents: int
    unplaced_penalty_cents: int

    @property
    def total_cents(self) -> int:
        """Transport + processing - recovered value + unplaced penalties (the objective)."""
        return self.transport_cents + self.processing_cents - self.recovered_cents + self.unplaced_penalty_cents


@dataclass(frozen=True)
class CenterUse:
    """How much of a center a plan uses; shadow prices are what one more unit per day would save."""

    id: str
    capacity: int
    used: int
    demand: int
    """Returns sent to it; above `used` only under the nearest-center rule, which ignores capacity."""
    used_by_category: dict[str, int]
    category_capacity: dict[str, int]
    shadow_price_cents: int | None = None
    category_shadow_price_cents: dict[str, int] | None = None


@dataclass(frozen=True, eq=False)
class UnplacedReturns:
    """Returns (by index) left without a center for one reason."""

    indices: IntArray
    reason: UnplacedReason
    detail: str


@dataclass(frozen=True, eq=False)
class AssignmentResult:
    """An assignment: `center_of[i]` is the center index of return i, or -1 when unplaced."""

    center_of: IntArray
    cost: CostSplit
    centers: tuple[CenterUse, ...]
    unplaced: tuple[UnplacedReturns, ...]
    runtime_s: float
    optimal: bool
    groups: int
    """Distinct (origin, category, chargeable kg) flows the model solved (returns in a group cost the same)."""

    @property
    def unplaced_count(self) -> int:
        """How many returns have no center."""
        return sum(len(group.indices) for group in self.unplaced)


def cost_of(problem: AssignmentProblem, center_of: IntArray) -> CostSplit:
    """The cost split of any assignment vector (unplaced returns pay the problem's penalty)."""
    transport, processing, recovered = problem.cost_parts(center_of)
    unplaced = int((center_of < 0).sum())
    return CostSplit(
        int(transport.sum()),
        int(processing.sum()),
        int(recovered.sum()),
        unplaced * problem.unplaced_penalty_cents,
    )


def usage(problem: AssignmentProblem, demand_of: IntArray, center_of: IntArray) -> list[CenterUse]:
    """Per-center use of an assignment; `demand_of` is where returns were sent before capacity cut in."""
    terms, categories = problem.terms, problem.categories
    category = problem.returns.category
    width = len(categories)
    placed = center_of >= 0
    counts = np.bincount(center_of[placed] * width + category[placed], minlength=len(problem.centers) * width)
    by_pair = counts.reshape(len(problem.centers), width)
    demand = np.bincount(demand_of[demand_of >= 0], minlength=len(problem.centers))
    return [
        CenterUse(
            id=center.id,
            capacity=center.capacity_per_day,
            used=int(by_pair[c].sum()),
            demand=int(demand[c]),
            used_by_category={categories[k]: int(by_pair[c, k]) for k in range(width) if terms.capable[c, k]},
            category_capacity={
                categories[k]: int(terms.category_capacity[c, k])
                for k in range(width)
                if terms.category_capacity[c, k] >= 0
            },
        )
        for c, center in enumerate(problem.centers)
    ]


def explain_unplaced(
    problem: AssignmentProblem, center_of: IntArray, uses: list[CenterUse]
) -> tuple[UnplacedReturns, ...]:
    """Explain every unplaced return against the final plan."""
    terms, categories = problem.terms, problem.categories
    unplaced = np.flatnonzero(center_of < 0)
    found: list[UnplacedReturns] = []
    for category in np.unique(problem.returns.category[unplaced]):
        indices = unplaced[problem.returns.category[unplaced] == category]
        name = categories[int(category)]
        capable = np.flatnonzero(terms.capable[:, category])
        if not len(capable):
            found.append(UnplacedReturns(indices, UnplacedReason.NO_CAPABLE_CENTER, f"no center processes {name}"))
            continue
        full = []
        for c in capable:
            use = uses[int(c)]
            if use.used >= use.capacity:
                full.append(f"{use.id} (total {use.capacity}/day)")
            elif name in use.category_capacity and use.used_by_category[name] >= use.category_capacity[name]:
                full.append(f"{use.id} ({name} {use.category_capacity[name]}/day)")
        if len(full) == len(capable):
            found.append(UnplacedReturns(indices, UnplacedReason.CAPABLE_CENTERS_FULL, "full: " + ", ".join(full)))
        else:
            found.append(
                UnplacedReturns(
                    indices,
                    UnplacedReason.COSTS_MORE_THAN_PENALTY,
                    f"a {name} center has room, but sending it costs more than "
                    f"{problem.unplaced_penalty_cents} cents (unplaced_penalty_cents)",
                )
            )
    return tuple(found)
