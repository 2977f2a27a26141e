"""`POST /v1/assignments`: the processing center for each return of a batch."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ServiceDep, TenantDep
from api.error_handlers import COMMON_ERRORS, errors
from api.schemas import AssignmentCreate, AssignmentPublic

router = APIRouter(prefix="/v1", tags=["assignments"], responses=errors(*COMMON_ERRORS))


@router.post("/assignments", operation_id="create_assignment", response_model=AssignmentPublic)
def create_assignment(body: AssignmentCreate, service: ServiceDep, _tenant: TenantDep) -> AssignmentPublic:
    """Optimal, capacity-respecting centers, with the nearest-center rule's cost for comparison."""
    return service.assignments.assign(body)
