"""`POST /v1/assignments` (a batch's centers) and `POST /v1/reassignments` (the live returns, operators)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import NowDep, OperatorDep, ServiceDep, TenantDep
from api.error_handlers import COMMON_ERRORS, errors
from api.schemas import AssignmentCreate, AssignmentPublic, ReassignmentPublic

router = APIRouter(prefix="/v1", tags=["assignments"], responses=errors(*COMMON_ERRORS))


@router.post("/assignments", operation_id="create_assignment", response_model=AssignmentPublic)
def create_assignment(body: AssignmentCreate, service: ServiceDep, _tenant: TenantDep) -> AssignmentPublic:
    """Optimal, capacity-respecting centers, with the nearest-center rule's cost for comparison."""
    return service.assignments.assign(body)


@router.post(
    "/reassignments", operation_id="create_reassignment", response_model=ReassignmentPublic, responses=errors(403)
)
def create_reassignment(service: ServiceDep, _operator: OperatorDep, now: NowDep) -> ReassignmentPublic:
    """Re-place the returns not yet dispatched (min-cost flow over center-days) if that saves money. Operators only.

    The same runs every night; a dispatched return never moves.
    """
    done = service.centers.reassign(now)
    return ReassignmentPublic(
        considered=done.considered,
        moved=done.moved,
        cost_before_cents=done.cost_before_cents,
        cost_after_cents=done.cost_after_cents,
    )
