"""Assignments: the processing center for each return of a batch, optimal, with the nearest-center rule beside it."""

from __future__ import annotations

from api.schemas import AssignmentCreate, AssignmentPublic
from api.services.context import ServiceContext
from optimizer.assignment.baseline import nearest_center
from optimizer.assignment.from_region import assignment_problem
from optimizer.assignment.solver import assign
from optimizer.domain import Location, Return
from optimizer.errors import ValidationError


class Assignments:
    """Batch assignment of returns to the region's processing centers."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def assign(self, body: AssignmentCreate) -> AssignmentPublic:
        """Processing center per return for a batch, optimal, with the nearest-center rule's cost beside it."""
        if len(body.returns) > self.context.settings.max_assignment_returns:
            raise ValidationError("returns", f"at most {self.context.settings.max_assignment_returns} per request")
        items = []
        for i, r in enumerate(body.returns):
            location = Location(r.location.lat, r.location.lon) if r.location else None
            try:
                items.append(
                    Return(r.id, r.category, r.weight_g, origin_id=r.origin, location=location, method=r.method)
                )
            except ValidationError as error:
                raise error.within(f"returns[{i}]") from None
        desk = self.context.desk
        problem = assignment_problem(
            desk.region, items, source=desk.source, unplaced_penalty_cents=body.unplaced_penalty_cents
        )
        return AssignmentPublic.of(problem, assign(problem), nearest_center(problem))
