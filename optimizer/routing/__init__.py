"""Pickup routing: build a `RoutingProblem`, `solve` it within a time limit, `validate` the result."""

from optimizer.routing.params import SolveParams
from optimizer.routing.problem import RoutingProblem
from optimizer.routing.result import RoutingResult, SolveStatus, UnassignedReason
from optimizer.routing.solver import solve
from optimizer.routing.validator import validate

__all__ = ["RoutingProblem", "RoutingResult", "SolveParams", "SolveStatus", "UnassignedReason", "solve", "validate"]
