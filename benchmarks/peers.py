"""Peer engines for `vrptw.py`, each used the way its own documentation shows, on the same integer data.

All of them see the instance as our `problem_from_vrptw` builds it (distances rounded, travel
times rounded up, both scaled), so every plan can be checked by the project's validator. Each
returns routes as lists of customer numbers (depot excluded).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

import numpy as np

from optimizer.routing.problem import RoutingProblem

Routes = list[list[int]]


def _customer(problem: RoutingProblem, request: int) -> int:
    return int(problem.requests[request].id)


def solve_ortools_plain(problem: RoutingProblem, time_limit_s: float) -> Routes:
    """Plain OR-Tools, set up as most users do.

    OR-Tools as most users set it up: distance arc costs, time and capacity dimensions,
    parallel cheapest insertion, guided local search until the time limit.
    """
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n = len(problem.requests) + 1
    points = [0] + [problem.request_point(r) for r in range(n - 1)]
    index = np.ix_(points, points)
    distance = problem.matrix.distance_m[index].tolist()
    service = [0] + [r.service_s for r in problem.requests]
    travel = (problem.matrix.duration_s[index] + np.array(service)[:, None]).tolist()
    demand = [0] + [r.pickup_load.weight_g for r in problem.requests]
    vehicles = len(problem.couriers)
    manager = pywrapcp.RoutingIndexManager(n, vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)
    arc = routing.RegisterTransitMatrix(distance)
    routing.SetArcCostEvaluatorOfAllVehicles(arc)
    horizon = problem.couriers[0].shift.end_s
    routing.AddDimension(routing.RegisterTransitMatrix(travel), horizon, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    for r, request in enumerate(problem.requests):
        window = request.time_windows[0]
        time_dim.CumulVar(manager.NodeToIndex(r + 1)).SetRange(window.start_s, window.end_s)
    capacity = problem.couriers[0].capacity.weight_g
    routing.AddDimensionWithVehicleCapacity(
        routing.RegisterUnaryTransitVector(demand), 0, [capacity] * vehicles, True, "load"
    )
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(time_limit_s * 1000))
    solution = routing.SolveWithParameters(params)
    routes: Routes = []
    if solution is None:
        return routes
    for v in range(vehicles):
        node = solution.Value(routing.NextVar(routing.Start(v)))
        route = []
        while not routing.IsEnd(node):
            route.append(_customer(problem, manager.IndexToNode(node) - 1))
            node = solution.Value(routing.NextVar(node))
        if route:
            routes.append(route)
    return routes


def solve_pyvrp(problem: RoutingProblem, time_limit_s: float, seed: int) -> Routes:
    """PyVRP's `solve` with its default iterated local search, one core, stopped at the time limit."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    n = len(problem.requests)
    points = [0] + [problem.request_point(r) for r in range(n)]
    index = np.ix_(points, points)
    shift = problem.couriers[0].shift
    clients = [
        pyvrp.Client(
            location=r + 1,
            delivery=[0],
            pickup=[request.pickup_load.weight_g],
            service_duration=request.service_s,
            tw_early=request.time_windows[0].start_s,
            tw_late=request.time_windows[0].end_s,
        )
        for r, request in enumerate(problem.requests)
    ]
    data = pyvrp.ProblemData(
        [pyvrp.Location(0.0, 0.0) for _ in points],
        clients,
        [pyvrp.Depot(location=0)],
        [
            pyvrp.VehicleType(
                len(problem.couriers),
                capacity=[problem.couriers[0].capacity.weight_g],
                tw_early=shift.start_s,
                tw_late=shift.end_s,
            )
        ],
        [cast(Any, problem.matrix.distance_m[index])],
        [cast(Any, problem.matrix.duration_s[index])],
    )
    best = pyvrp.solve(data, stop=MaxRuntime(time_limit_s), seed=seed, display=False).best
    return [[_customer(problem, a.idx) for a in route.schedule() if a.is_client()] for route in best.routes()]


def solve_vroom(problem: RoutingProblem, time_limit_s: float) -> Routes:
    """VROOM through pyvroom at exploration level 5 on the same matrices (distance as the cost)."""
    import vroom

    n = len(problem.requests)
    points = [0] + [problem.request_point(r) for r in range(n)]
    index = np.ix_(points, points)
    shift = problem.couriers[0].shift
    data = vroom.Input()
    data.set_durations_matrix("car", problem.matrix.duration_s[index].astype(np.uint32))
    data.set_costs_matrix("car", problem.matrix.distance_m[index].astype(np.uint32))
    for k in range(len(problem.couriers)):
        data.add_vehicle(
            vroom.Vehicle(
                k + 1,
                start=0,
                end=0,
                capacity=[problem.couriers[0].capacity.weight_g],
                time_window=vroom.TimeWindow(shift.start_s, shift.end_s),
            )
        )
    for r, request in enumerate(problem.requests):
        window = request.time_windows[0]
        data.add_job(
            vroom.Job(
                int(request.id),
                location=r + 1,
                default_service=request.service_s,
                pickup=[request.pickup_load.weight_g],
                time_windows=[vroom.TimeWindow(window.start_s, window.end_s)],
            )
        )
    solution = data.solve(exploration_level=5, nb_threads=1, timeout=timedelta(seconds=time_limit_s))
    routes: dict[int, list[int]] = {}
    for row in solution.routes.itertuples():
        if row.type == "job":
            routes.setdefault(int(row.vehicle_id), []).append(int(row.id))
    return [routes[v] for v in sorted(routes)]
