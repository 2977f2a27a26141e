"""Pickup routing: build a `RoutingProblem`, `solve` it within a time limit, `validate` the result."""

from optimizer.routing.problem import RoutingProblem
from optimizer.routing.result import RoutingResult, SolveStatus, UnassignedReason
from optimizer.routing.solve import solve
from optimizer.routing.validate import validate

__all__ = ["RoutingProblem", "RoutingResult", "SolveStatus", "UnassignedReason", "solve", "validate"]
