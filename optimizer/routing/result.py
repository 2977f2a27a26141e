"""What a solve returns: routes with times and loads, costs, and every left-out request with its reason."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from optimizer.domain import Load


class SolveStatus(StrEnum):
    """How the search ended."""

    OPTIMAL = "optimal"
    """The search proved no better plan exists (tiny instances only)."""
    FEASIBLE = "feasible"
    """A valid plan; the search stopped at its time or solution limit or at a local optimum."""
    NO_SOLUTION = "no_solution"
    """No plan was found within the limit; every request is reported unassigned."""


class UnassignedReason(StrEnum):
    """Why a request is not in any route."""

    NO_SKILLED_COURIER = "no_skilled_courier"
    EXCEEDS_VEHICLE_CAPACITY = "exceeds_vehicle_capacity"
    UNREACHABLE_IN_SLOT = "unreachable_in_slot"
    NO_FEASIBLE_INSERTION = "no_feasible_insertion"
    PENALTY_CHEAPER = "penalty_cheaper"
    NOT_INSERTED_IN_TIME = "not_inserted_in_time"
    NO_SOLUTION_IN_TIME = "no_solution_in_time"


@dataclass(frozen=True, slots=True)
class CostBreakdown:
    """Costs in cents (fractional: km and hour rates are pro-rated)."""

    distance_cents: float = 0.0
    duration_cents: float = 0.0
    fixed_cents: float = 0.0
    penalty_cents: float = 0.0

    @property
    def total_cents(self) -> float:
        """Distance, time, fixed costs and penalties together."""
        return self.distance_cents + self.duration_cents + self.fixed_cents + self.penalty_cents

    def __add__(self, other: CostBreakdown) -> CostBreakdown:
        return CostBreakdown(
            self.distance_cents + other.distance_cents,
            self.duration_cents + other.duration_cents,
            self.fixed_cents + other.fixed_cents,
            self.penalty_cents + other.penalty_cents,
        )


@dataclass(frozen=True, slots=True)
class Stop:
    """One visit: the courier arrives, may wait, serves from `service_start_s` and leaves at `departure_s`."""

    request_id: str
    arrival_s: int
    service_start_s: int
    departure_s: int
    load_after: Load


@dataclass(frozen=True, slots=True)
class Route:
    """One courier's tour from its start depot (leaving at `start_s`) to its end depot (`end_s`)."""

    courier_id: str
    start_s: int
    end_s: int
    distance_m: int
    load_at_start: Load
    stops: tuple[Stop, ...]
    cost: CostBreakdown

    @property
    def duration_s(self) -> int:
        """From leaving the start depot to arriving at the end depot."""
        return self.end_s - self.start_s


@dataclass(frozen=True, slots=True)
class Unassigned:
    """A request left out; `reason` is machine-readable, `detail` says what blocked it in words."""

    request_id: str
    reason: UnassignedReason
    detail: str


@dataclass(frozen=True, slots=True)
class RoutingResult:
    """A plan: the routes, the requests left out with their reasons, the cost and how the search went."""

    status: SolveStatus
    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    cost: CostBreakdown
    runtime_s: float
    first_solution_s: float | None
    solutions_found: int
    warnings: tuple[str, ...] = ()
    engine: str = ""
    """Which search produced the routes: "ortools" or "pyvrp" (empty for routes given from outside)."""

    @property
    def distance_m(self) -> int:
        """Metres driven by all couriers."""
        return sum(route.distance_m for route in self.routes)

    @property
    def duration_s(self) -> int:
        """Hours worked by all couriers, in seconds."""
        return sum(route.duration_s for route in self.routes)
