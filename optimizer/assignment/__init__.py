"""Returns -> processing centers: the optimal capacity-respecting assignment and today's nearest-center rule."""

from optimizer.assignment.baseline import nearest_center
from optimizer.assignment.from_region import assignment_problem
from optimizer.assignment.problem import AssignmentProblem, ReturnBatch
from optimizer.assignment.result import AssignmentResult, UnplacedReason
from optimizer.assignment.solver import assign
from optimizer.assignment.validator import validate_assignment

__all__ = [
    "AssignmentProblem",
    "AssignmentResult",
    "ReturnBatch",
    "UnplacedReason",
    "assign",
    "assignment_problem",
    "nearest_center",
    "validate_assignment",
]
