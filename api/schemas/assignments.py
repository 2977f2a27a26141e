"""Returns to processing centers in a batch, and re-assignments (operators)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from api.schemas.common import (
    Category,
    Id,
    LatLon,
    Strict,
)
from optimizer.assignment import AssignmentProblem, AssignmentResult


class ReassignmentPublic(Strict):
    """A re-assignment of the returns not yet dispatched: how many could move, moved, and the cost."""

    considered: int
    moved: int
    cost_before_cents: int
    cost_after_cents: int


class AssignmentReturn(Strict):
    """A return to place: at a site (`origin`) or at an address with its method."""

    id: Id
    category: Category
    weight_g: int = Field(ge=1, le=1_000_000)
    origin: str | None = Field(None, max_length=64, description="a depot or drop-off point id")
    location: LatLon | None = None
    method: Literal["pickup", "drop_off"] | None = None


class AssignmentCreate(Strict):
    """A batch of returns to assign to processing centers."""

    returns: list[AssignmentReturn] = Field(min_length=1)
    unplaced_penalty_cents: int = Field(20_000, ge=1, le=10**8)


class AssignedReturn(Strict):
    """Where one return waits and the center it goes to (none when unplaced)."""

    id: str
    origin_id: str
    center_id: str | None


class UnassignedReturn(Strict):
    """A return left without a center, and why."""

    id: str
    reason: str
    detail: str


class CenterUsePublic(Strict):
    """A center's capacity, use and shadow price in this assignment."""

    id: str
    capacity: int
    used: int
    shadow_price_cents: int


class AssignmentPublic(Strict):
    """The optimal assignment, its cost beside the nearest-center rule's, and the centers' use."""

    total_cost_cents: int
    baseline_cost_cents: int
    optimal: bool
    assignments: list[AssignedReturn]
    unassigned: list[UnassignedReturn]
    centers: list[CenterUsePublic]

    @classmethod
    def of(cls, problem: AssignmentProblem, optimal: AssignmentResult, baseline: AssignmentResult) -> AssignmentPublic:
        """The optimal assignment of `problem` with the nearest-center rule's cost beside it."""
        ids, centers = problem.returns.ids, problem.centers
        return cls(
            total_cost_cents=optimal.cost.total_cents,
            baseline_cost_cents=baseline.cost.total_cents,
            optimal=optimal.optimal,
            assignments=[
                AssignedReturn(
                    id=ids[i],
                    origin_id=problem.origin_ids[int(problem.returns.origin[i])],
                    center_id=centers[c].id if c >= 0 else None,
                )
                for i, c in enumerate(optimal.center_of.tolist())
            ],
            unassigned=[
                UnassignedReturn(id=ids[int(i)], reason=group.reason.value, detail=group.detail)
                for group in optimal.unplaced
                for i in group.indices
            ],
            centers=[
                CenterUsePublic(id=u.id, capacity=u.capacity, used=u.used, shadow_price_cents=u.shadow_price_cents or 0)
                for u in optimal.centers
            ],
        )
