"""The engines of the returns benchmark, each on the whole model of a `RoutingProblem`.

Every engine gets the same problem (the same integer road matrices) and answers with each
courier's stops in order; `plan_of` then times, costs and explains the plan with the project's own
code, so all engines are judged by one cost and checked by one validator.

- `backhaul`: `optimizer.routing.solve` (OR-Tools and PyVRP raced on both cores, repair, reasons).
- `pyvrp`: PyVRP's iterated local search alone on one core, on the model Backhaul hands it (skills
  as routing profiles, a shopper's choice of slots as a client group; `optimizer.routing.pyvrp_search`),
  with the limit as PyVRP's own `MaxRuntime`, as its users run it: its set-up (about 3 s at 2,000
  pickups) comes on top, where Backhaul counts it within the limit.
- `vroom`: VROOM (pyvroom) on the file `backhaul convert --to vroom` writes, each vehicle speed as
  a profile with its exact travel matrix, exploration level 5, one thread. Its objective prices
  travel time, not time at the door or waiting (which the courier's hours pay), so it optimises a
  different cost than the one reported.
- `ortools-plain`: OR-Tools routing set up from its guides by a practitioner: per-vehicle arc costs
  and span costs, a time dimension with waiting, capacity dimensions (an exchange's item on board
  from the depot: a start load equal to the route's deliveries), allowed vehicles for skills, a
  disjunction per request, local cheapest insertion then guided local search (parallel cheapest
  insertion, the other strategy the guides show, had no complete first plan within 10 s on 300 pickups).
"""

from __future__ import annotations

import itertools
import json
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import numpy as np

from optimizer.routing.ortools_model import mandatory_penalty_units
from optimizer.routing.plan import result_from_routes
from optimizer.routing.problem import COST_UNITS_PER_CENT, RoutingProblem
from optimizer.routing.reasons import explain_unassigned, screen_requests
from optimizer.routing.result import RoutingResult, SolveStatus
from optimizer.routing.solver import solve

Routes = dict[int, list[int]]
"""Courier index -> request indices in driving order."""
Engine = Callable[[RoutingProblem, float, int], RoutingResult]
CORES = {"backhaul": 2, "pyvrp": 1, "vroom": 1, "ortools-plain": 1}


def plan_of(problem: RoutingProblem, routes: Routes, runtime_s: float, engine: str) -> RoutingResult:
    """A peer's routes timed and costed by Backhaul; each request it left out explained against them."""
    served = {r for route in routes.values() for r in route}
    screenings = screen_requests(problem)
    unassigned = [
        explain_unassigned(problem, routes, r, screenings[r]) for r in range(len(problem.requests)) if r not in served
    ]
    status = SolveStatus.FEASIBLE if routes or not problem.requests else SolveStatus.NO_SOLUTION
    return result_from_routes(
        problem, routes, status=status, runtime_s=runtime_s, unassigned=unassigned, strict=False, engine=engine
    )


def _backhaul(problem: RoutingProblem, seconds: float, seed: int) -> RoutingResult:
    return solve(problem, time_limit_s=seconds, seed=seed)


def _pyvrp(problem: RoutingProblem, seconds: float, seed: int) -> RoutingResult:
    from optimizer.routing import pyvrp_search

    started = time.perf_counter()
    everyone = list(range(len(problem.requests)))
    big = mandatory_penalty_units(problem)
    routes = pyvrp_search.search(problem, everyone, seconds, seed, big, setup_counts=False) or {}
    return plan_of(problem, routes, time.perf_counter() - started, "pyvrp")


def _vroom(problem: RoutingProblem, seconds: float, _seed: int) -> RoutingResult:
    import vroom

    from optimizer.io.vroom import problem_to_vroom

    started = time.perf_counter()
    document = problem_to_vroom(problem)
    # Each speed becomes a VROOM profile with Backhaul's own travel matrix for it: VROOM's speed
    # factor rounds differently, which left a stop 1 s past its window on pingshan_2000.
    matrices = document["matrices"]
    for k, (courier, vehicle) in enumerate(zip(problem.couriers, document["vehicles"], strict=True)):
        profile = f"speed-{courier.speed_factor:g}"
        if profile not in matrices:
            matrices[profile] = {"durations": problem.travel_s(k).tolist(), "distances": matrices["car"]["distances"]}
        vehicle |= {"profile": profile, "speed_factor": 1.0}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        data = vroom.Input.from_json(path)
    budget = max(0.1, seconds - (time.perf_counter() - started))
    solution = data.solve(exploration_level=5, nb_threads=1, timeout=timedelta(seconds=budget))
    courier_of = {vehicle["id"]: k for k, vehicle in enumerate(document["vehicles"])}
    request_of = {job["id"]: k for k, job in enumerate(document["jobs"])}
    routes: Routes = {}
    for row in solution.routes.itertuples():
        if row.type == "job":
            routes.setdefault(courier_of[int(row.vehicle_id)], []).append(request_of[int(row.id)])
    return plan_of(problem, routes, time.perf_counter() - started, "vroom")


def _ortools_plain(problem: RoutingProblem, seconds: float, _seed: int) -> RoutingResult:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    started = time.perf_counter()
    n_depots, vehicles = len(problem.depots), len(problem.couriers)
    manager = pywrapcp.RoutingIndexManager(
        n_depots + len(problem.requests),
        vehicles,
        [problem.start_point(v) for v in range(vehicles)],
        [problem.end_point(v) for v in range(vehicles)],
    )
    routing = pywrapcp.RoutingModel(manager)
    points = np.arange(n_depots + len(problem.requests))
    service = np.array([0] * n_depots + [r.service_s for r in problem.requests], dtype=np.int64)
    per_m = COST_UNITS_PER_CENT // 1000
    per_s = COST_UNITS_PER_CENT // 3600
    costs: dict[int, int] = {}
    times: dict[float, int] = {}
    for v, courier in enumerate(problem.couriers):
        rate = courier.cost_per_km_cents * per_m
        if rate not in costs:
            costs[rate] = routing.RegisterTransitMatrix(
                (problem.matrix.distance_m[np.ix_(points, points)] * rate).tolist()
            )
        routing.SetArcCostEvaluatorOfVehicle(costs[rate], v)
        routing.SetFixedCostOfVehicle(courier.fixed_cost_cents * COST_UNITS_PER_CENT, v)
        if courier.speed_factor not in times:  # travel, plus the service at the stop left
            travel = problem.travel_s(v)[np.ix_(points, points)] + service[:, None]
            times[courier.speed_factor] = routing.RegisterTransitMatrix(travel.tolist())
    horizon = max(c.shift.end_s for c in problem.couriers)
    transits = [times[c.speed_factor] for c in problem.couriers]
    routing.AddDimensionWithVehicleTransits(transits, horizon, horizon, False, "time")
    clock = routing.GetDimensionOrDie("time")
    for v, courier in enumerate(problem.couriers):
        clock.CumulVar(routing.Start(v)).SetRange(courier.shift.start_s, courier.shift.end_s)
        clock.CumulVar(routing.End(v)).SetRange(courier.shift.start_s, courier.shift.end_s)
        clock.SetSpanCostCoefficientForVehicle(courier.cost_per_hour_cents * per_s, v)
        if courier.max_route_duration_s is not None:
            clock.SetSpanUpperBoundForVehicle(courier.max_route_duration_s, v)
    solver = routing.solver()
    for k, name in enumerate(("weight_g", "volume_cm3", "parcels")):
        pickup = [0] * n_depots + [int(x) for x in problem.pickup_loads[:, k]]
        delivery = [0] * n_depots + [int(x) for x in problem.delivery_loads[:, k]]
        capacity = [int(c) for c in problem.capacities[:, k]]
        change = routing.RegisterUnaryTransitVector([p - d for p, d in zip(pickup, delivery, strict=True)])
        handed = routing.RegisterUnaryTransitVector(delivery)
        routing.AddDimensionWithVehicleCapacity(change, 0, capacity, False, f"load_{name}")
        routing.AddDimensionWithVehicleCapacity(handed, 0, capacity, True, f"handed_{name}")
        load, given = routing.GetDimensionOrDie(f"load_{name}"), routing.GetDimensionOrDie(f"handed_{name}")
        for v in range(vehicles):  # what leaves the depot is what the route hands over
            solver.Add(load.CumulVar(routing.Start(v)) == given.CumulVar(routing.End(v)))
    big = mandatory_penalty_units(problem)
    for r, request in enumerate(problem.requests):
        index = manager.NodeToIndex(problem.request_point(r))
        windows = request.time_windows
        clock.CumulVar(index).SetRange(windows[0].start_s, windows[-1].end_s)
        for before, after in itertools.pairwise(windows):
            if after.start_s > before.end_s + 1:
                clock.CumulVar(index).RemoveInterval(before.end_s + 1, after.start_s - 1)
        allowed = [v for v, c in enumerate(problem.couriers) if request.required_skills <= c.skills]
        routing.VehicleVar(index).SetValues([-1, *allowed])  # -1: dropped (the disjunction's penalty)
        routing.AddDisjunction([index], big)
    for v in range(vehicles):
        routing.AddVariableMinimizedByFinalizer(clock.CumulVar(routing.Start(v)))
        routing.AddVariableMinimizedByFinalizer(clock.CumulVar(routing.End(v)))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(max(10, int((seconds - (time.perf_counter() - started)) * 1000)))
    solution = routing.SolveWithParameters(params)
    routes: Routes = {}
    if solution is not None:
        for v in range(vehicles):
            index = solution.Value(routing.NextVar(routing.Start(v)))
            while not routing.IsEnd(index):
                routes.setdefault(v, []).append(manager.IndexToNode(index) - n_depots)
                index = solution.Value(routing.NextVar(index))
    return plan_of(problem, routes, time.perf_counter() - started, "ortools-plain")


ENGINES: dict[str, Engine] = {"backhaul": _backhaul, "pyvrp": _pyvrp, "vroom": _vroom, "ortools-plain": _ortools_plain}


def cannot_express(engine: str, problem: RoutingProblem) -> str | None:
    """Why `engine` cannot take `problem` as it is (None when it can)."""
    if engine == "vroom" and any(not r.mandatory for r in problem.requests):
        return "optional requests with a penalty"
    if engine == "vroom" and any(c.max_route_duration_s is not None for c in problem.couriers):
        return "a maximum route duration shorter than the shift"
    if engine != "backhaul" and any(problem.locked_requests):
        return "locked stops"
    return None
