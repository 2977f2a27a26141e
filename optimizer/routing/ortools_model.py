"""The OR-Tools routing model of a problem and its search (the only module that imports OR-Tools routing).

Model: one start and one end node per courier (so an unused courier costs nothing even when its
depots differ), one node per request that some courier can serve. Time dimension with waiting,
windows and shifts; per-vehicle travel times (speed factor); capacity dimensions for weight,
volume and parcel count, where an exchange's delivery load is on board from the start depot until
its stop (exactly up to `SolveParams.exact_exchange_limit` requests, conservatively above); allowed
vehicles from skills; every request in a disjunction, so a request that cannot be served is dropped
instead of failing the solve; locked prefixes fixed on the next variables.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from optimizer.domain import Load
from optimizer.routing.params import SolveParams
from optimizer.routing.problem import COST_UNITS_PER_CENT, RoutingProblem
from optimizer.routing.reasons import Screening
from optimizer.routing.result import SolveStatus

ProgressCallback = Callable[[float, float], None]
"""Called on each plan the search finds with (seconds elapsed, best cost in cents as the search sees it)."""

_STATUS = routing_enums_pb2.RoutingSearchStatus


class SearchProgress:
    """The search's progress: counts plans found and reports them to the caller's callback."""

    def __init__(self, model: OrToolsModel, started: float, callback: ProgressCallback | None) -> None:
        self.model = model
        self.started = started
        self.callback = callback
        self.solutions = 0
        self.first_solution_s: float | None = None
        self.best = float("inf")

    def summary(self) -> dict[str, Any]:
        """Runtime so far, time to the first plan and plans found, as `result_from_routes` takes them."""
        return {
            "runtime_s": time.perf_counter() - self.started,
            "first_solution_s": self.first_solution_s,
            "solutions_found": self.solutions,
        }

    def __call__(self) -> None:
        """Count and report a plan the search just found."""
        elapsed = time.perf_counter() - self.started
        self.solutions += 1
        if self.first_solution_s is None:
            self.first_solution_s = elapsed
        self.best = min(self.best, self.model.routing.CostVar().Value() / COST_UNITS_PER_CENT)
        if self.callback is not None:
            self.callback(elapsed, self.best)


class OrToolsModel:
    """The OR-Tools routing model of a problem restricted to `modelled` requests."""

    def __init__(
        self,
        problem: RoutingProblem,
        modelled: Sequence[int],
        screenings: Sequence[Screening],
        seed: int,
        mandatory_penalty: int,
        params: SolveParams,
    ) -> None:
        self.problem = problem
        self.modelled = list(modelled)
        n_vehicles = len(problem.couriers)
        self.n_vehicles = n_vehicles
        points = np.array(
            [problem.start_point(v) for v in range(n_vehicles)]
            + [problem.end_point(v) for v in range(n_vehicles)]
            + [problem.request_point(r) for r in self.modelled],
            dtype=np.int64,
        )
        self.manager = pywrapcp.RoutingIndexManager(
            len(points), n_vehicles, list(range(n_vehicles)), list(range(n_vehicles, 2 * n_vehicles))
        )
        self.routing = pywrapcp.RoutingModel(self.manager)
        self._points = points
        self._locked = {r for prefix in problem.locked_requests for r in prefix}
        self.params = params
        self._add_costs(seed)
        self._add_time()
        self._add_capacities()
        self._add_requests(screenings, mandatory_penalty)

    def _node_matrix(self, base: np.ndarray) -> np.ndarray:
        """`base` over the model's nodes, with start-to-end of the same courier free (an unused courier)."""
        matrix = base[np.ix_(self._points, self._points)]
        v = np.arange(self.n_vehicles)
        matrix[v, v + self.n_vehicles] = 0
        return matrix

    def _add_costs(self, seed: int) -> None:
        problem = self.problem
        distance = self._node_matrix(problem.matrix.distance_m).astype(np.float64)
        if seed:
            noise = np.random.default_rng(seed).uniform(
                -self.params.seed_noise, self.params.seed_noise, size=distance.shape
            )
            distance *= 1.0 + noise
        per_m = COST_UNITS_PER_CENT // 1000
        callbacks: dict[int, int] = {}
        for v, courier in enumerate(problem.couriers):
            rate = courier.cost_per_km_cents
            if rate not in callbacks:
                arc_units = np.rint(distance * (rate * per_m)).astype(np.int64)
                callbacks[rate] = self.routing.RegisterTransitMatrix(arc_units.tolist())
            self.routing.SetArcCostEvaluatorOfVehicle(callbacks[rate], v)
            self.routing.SetFixedCostOfVehicle(courier.fixed_cost_cents * COST_UNITS_PER_CENT, v)

    def _add_time(self) -> None:
        problem = self.problem
        service = np.zeros(len(self._points), dtype=np.int64)
        service[2 * self.n_vehicles :] = [problem.requests[r].service_s for r in self.modelled]
        callbacks: dict[float, int] = {}
        transits = []
        for v, courier in enumerate(problem.couriers):
            factor = courier.speed_factor
            if factor not in callbacks:
                matrix = self._node_matrix(problem.travel_s(v)) + service[:, None]
                matrix[np.arange(self.n_vehicles), np.arange(self.n_vehicles) + self.n_vehicles] = 0
                callbacks[factor] = self.routing.RegisterTransitMatrix(matrix.tolist())
            transits.append(callbacks[factor])
        horizon = max(c.shift.end_s for c in problem.couriers)
        self.routing.AddDimensionWithVehicleTransits(transits, horizon, horizon, False, "time")
        self.time = self.routing.GetDimensionOrDie("time")
        per_s = COST_UNITS_PER_CENT // 3600
        for v, courier in enumerate(problem.couriers):
            for index in (self.routing.Start(v), self.routing.End(v)):
                self.time.CumulVar(index).SetRange(courier.shift.start_s, courier.shift.end_s)
            self.time.SetSpanUpperBoundForVehicle(courier.duration_limit_s, v)
            self.time.SetSpanCostCoefficientForVehicle(courier.cost_per_hour_cents * per_s, v)
            self.routing.AddVariableMinimizedByFinalizer(self.time.CumulVar(self.routing.End(v)))
        for m, r in enumerate(self.modelled):
            windows = problem.requests[r].time_windows
            cumul = self.time.CumulVar(self.manager.NodeToIndex(2 * self.n_vehicles + m))
            cumul.SetRange(windows[0].start_s, windows[-1].end_s)
            for before, after in itertools.pairwise(windows):
                cumul.RemoveInterval(before.end_s + 1, after.start_s - 1)

    def _add_capacities(self) -> None:
        problem = self.problem
        solver = self.routing.solver()
        offset = 2 * self.n_vehicles
        for d, name in enumerate(Load.DIMENSIONS):
            pickup = np.zeros(len(self._points), dtype=np.int64)
            delivery = np.zeros(len(self._points), dtype=np.int64)
            pickup[offset:] = problem.pickup_loads[self.modelled, d] if self.modelled else []
            delivery[offset:] = problem.delivery_loads[self.modelled, d] if self.modelled else []
            if not pickup.any() and not delivery.any():
                continue
            capacity = [int(c) for c in problem.capacities[:, d]]
            if int(pickup.sum() + delivery.sum()) <= min(capacity):
                continue  # no route can ever reach the capacity: the dimension would only slow the search
            if not delivery.any() or len(self.modelled) > self.params.exact_exchange_limit:
                # Exact without exchanges; with them, conservative: the route's whole load counts,
                # except a locked stop's delivery (handed over before any stop the search places).
                locked = [offset + m for m, r in enumerate(self.modelled) if r in self._locked]
                delivery[locked] = 0
                callback = self.routing.RegisterUnaryTransitVector((pickup + delivery).tolist())
                self.routing.AddDimensionWithVehicleCapacity(callback, 0, capacity, True, name)
                continue
            # Exchanges: `loaded` counts deliveries handed over so far; `onboard` starts at the
            # route's total deliveries (tied to loaded's end value) and changes by pickup - delivery.
            loaded_cb = self.routing.RegisterUnaryTransitVector(delivery.tolist())
            self.routing.AddDimensionWithVehicleCapacity(loaded_cb, 0, capacity, True, f"{name}_delivered")
            onboard_cb = self.routing.RegisterUnaryTransitVector((pickup - delivery).tolist())
            self.routing.AddDimensionWithVehicleCapacity(onboard_cb, 0, capacity, False, name)
            loaded = self.routing.GetDimensionOrDie(f"{name}_delivered")
            onboard = self.routing.GetDimensionOrDie(name)
            for v in range(self.n_vehicles):
                solver.Add(onboard.CumulVar(self.routing.Start(v)) == loaded.CumulVar(self.routing.End(v)))

    def _add_requests(self, screenings: Sequence[Screening], big: int) -> None:
        problem = self.problem
        locked_to = {r: v for v, prefix in enumerate(problem.locked_requests) for r in prefix}
        for m, r in enumerate(self.modelled):
            index = self.manager.NodeToIndex(2 * self.n_vehicles + m)
            allowed = [locked_to[r]] if r in locked_to else list(screenings[r].couriers)
            if len(allowed) < self.n_vehicles:
                self.routing.VehicleVar(index).SetValues([-1, *allowed])
            request = problem.requests[r]
            self.routing.AddDisjunction([index], big if request.mandatory else problem.penalty_units(r))

    def _index(self, request: int) -> int:
        return int(self.manager.NodeToIndex(2 * self.n_vehicles + self._model_position[request]))

    def search(
        self,
        warm_routes: dict[int, list[int]],
        deadline: float,
        solution_limit: int | None,
        tracker: SearchProgress,
    ) -> tuple[dict[int, list[int]] | None, SolveStatus]:
        """Run the search; return the routes as request indices per courier, and the status."""
        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
        params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        params.time_limit.FromMilliseconds(milliseconds_until(deadline))
        if solution_limit is not None:
            params.solution_limit = solution_limit
        self._model_position = {r: m for m, r in enumerate(self.modelled)}
        routing = self.routing
        routing.CloseModelWithParameters(params)
        routing.AddAtSolutionCallback(tracker)
        locks = [[self._index(r) for r in prefix] for prefix in self.problem.locked_requests]
        for v, chain in enumerate(locks):
            previous = routing.Start(v)
            for index in chain:
                routing.NextVar(previous).SetValue(index)
                previous = index
        initial = None
        if warm_routes:
            initial = routing.ReadAssignmentFromRoutes(
                [[self._index(r) for r in warm_routes.get(v, [])] for v in range(self.n_vehicles)], True
            )
        solution = None
        if initial is not None:
            params.time_limit.FromMilliseconds(milliseconds_until(deadline))
            solution = routing.SolveFromAssignmentWithParameters(initial, params)
        if solution is None:  # no warm start, or the search model rejected it
            if any(locks):
                routing.ApplyLocksToAllVehicles(locks, False)
            params.time_limit.FromMilliseconds(milliseconds_until(deadline))
            solution = routing.SolveWithParameters(params)
        if solution is None:
            return None, SolveStatus.NO_SOLUTION
        routes: dict[int, list[int]] = {}
        for v in range(self.n_vehicles):
            index = solution.Value(routing.NextVar(routing.Start(v)))
            route = []
            while not routing.IsEnd(index):
                route.append(self.modelled[self.manager.IndexToNode(index) - 2 * self.n_vehicles])
                index = solution.Value(routing.NextVar(index))
            if route:
                routes[v] = route
        optimal = routing.status() == _STATUS.ROUTING_OPTIMAL
        return routes, SolveStatus.OPTIMAL if optimal else SolveStatus.FEASIBLE


def mandatory_penalty_units(problem: RoutingProblem) -> int:
    """A penalty above what serving any single request can add, so dropping one never pays."""
    longest_m = int(problem.matrix.distance_m.max(initial=0))
    worst = max(
        c.fixed_cost_cents * COST_UNITS_PER_CENT
        + c.cost_per_km_cents * (COST_UNITS_PER_CENT // 1000) * 2 * longest_m
        + c.cost_per_hour_cents * (COST_UNITS_PER_CENT // 3600) * (c.shift.end_s - c.shift.start_s)
        for c in problem.couriers
    )
    optional = max((problem.penalty_units(r) for r in range(len(problem.requests))), default=0)
    cap = 2**62 // (len(problem.requests) + 2)
    return int(min(2 * worst + optional + 1, cap))


def milliseconds_until(deadline: float) -> int:
    """Milliseconds left until `deadline` (a `perf_counter` time), at least 10."""
    return max(10, int((deadline - time.perf_counter()) * 1000))
