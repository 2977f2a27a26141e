"""Solve a pickup-routing problem within a time limit: screening, the search, the race, repair, reasons.

`solve` runs, in order: a check of locked prefixes, a screening of every request against every
courier, the OR-Tools model and search over the requests some courier can serve (raced by PyVRP
where its model fits), a safety net and a repair pass, and a reason for every request still out.
"""

from __future__ import annotations

import math
import time

from optimizer.errors import ValidationError
from optimizer.routing import pyvrp_search
from optimizer.routing.ortools_model import OrToolsModel, ProgressCallback, SearchProgress, mandatory_penalty_units
from optimizer.routing.params import SolveParams
from optimizer.routing.plan import plan_units, result_from_routes
from optimizer.routing.problem import RoutingProblem
from optimizer.routing.reasons import explain_unassigned, screen_requests
from optimizer.routing.repair import check_locked_prefixes, feasible_warm_start, repair, restore_feasibility
from optimizer.routing.result import RoutingResult, SolveStatus, Unassigned, UnassignedReason


def solve(
    problem: RoutingProblem,
    *,
    time_limit_s: float,
    seed: int = 0,
    solution_limit: int | None = None,
    on_progress: ProgressCallback | None = None,
    params: SolveParams | None = None,
) -> RoutingResult:
    """Plan routes for `problem` within `time_limit_s` seconds of wall time, model building included.

    OR-Tools' routing search has no random seed, and it is blind to the order of the nodes, so
    `seed` acts on the costs it sees: seed 0 searches the exact objective; any other seed adds a
    fixed pseudo-random perturbation of at most `params.seed_noise` to each arc's distance cost, which
    leads the search to other local optima (reported costs are always the exact ones). With
    `solution_limit` the search stops after that many solutions, so the result no longer depends
    on machine speed (the PyVRP race, which runs on the clock, is then left out).

    Where PyVRP can take the problem (no locked stops), it searches with
    `seed` in a child process on the other core for the whole time; here OR-Tools searches for the
    first `params.ortools_share` of it, then PyVRP with `seed + 1`. The cheapest of the three plans
    by our own exact costing wins. OR-Tools' slice ends on time even without a plan: at 1,000
    pickups and more its first plan takes most of the budget, which the two PyVRP searches use better.
    """
    started = time.perf_counter()
    params = params or SolveParams()
    if not 0 < time_limit_s < math.inf:
        raise ValidationError("time_limit_s", f"must be a positive number of seconds, got {time_limit_s}")
    if solution_limit is not None and solution_limit < 1:
        raise ValidationError("solution_limit", f"must be >= 1, got {solution_limit}")
    check_locked_prefixes(problem)
    warm_routes, warnings = feasible_warm_start(problem)
    screenings = screen_requests(problem)
    locked = {r for prefix in problem.locked_requests for r in prefix}
    modelled = [r for r, s in enumerate(screenings) if s.reason is None or r in locked]
    deadline = started + params.search_share * time_limit_s
    big = mandatory_penalty_units(problem)
    why_not = pyvrp_search.unsupported(problem) if modelled else "nothing to route"
    if not params.race:
        why_not = "the parameters leave the race out"
    if solution_limit is not None:
        why_not = "a solution limit asks for a deterministic search"  # PyVRP's race runs on the clock
    race = None if why_not else pyvrp_search.PyvrpRace(problem, modelled, deadline, seed, big, params.race_start)
    try:
        model = OrToolsModel(problem, modelled, screenings, seed, big, params)
        # Racing PyVRP, OR-Tools gets a first slice here, then this core runs PyVRP with another
        # seed; the cheapest plan by our exact costing wins.
        slice_end = deadline if race is None else started + params.ortools_share * (deadline - started)
        tracker = SearchProgress(model, started, on_progress)
        routes, status = model.search(warm_routes, slice_end, solution_limit, tracker)
        engine = "ortools"
        if race is not None:
            left_s = deadline - time.perf_counter()  # PyVRP's set-up would overrun a deadline already past
            rivals = [pyvrp_search.search(problem, modelled, left_s, seed + 1, big)] if left_s > 0 else []
            rivals.append(race.result())
            for rival in rivals:
                if rival is not None and plan_units(problem, rival, big) < plan_units(problem, routes, big):
                    routes, status, engine = rival, SolveStatus.FEASIBLE, "pyvrp"
    finally:
        if race is not None:
            race.close()
    if routes is None:
        routes = {v: list(prefix) for v, prefix in enumerate(problem.locked_requests) if prefix}
        unassigned = [
            Unassigned(problem.requests[r].id, UnassignedReason.NO_SOLUTION_IN_TIME, "the search found no plan")
            for r in range(len(problem.requests))
            if r not in locked
        ]
        return result_from_routes(
            problem,
            routes,
            status=SolveStatus.NO_SOLUTION,
            unassigned=unassigned,
            **tracker.summary(),
            warnings=warnings,
        )
    served = {r for route in routes.values() for r in route}
    missing = [r for r in range(len(problem.requests)) if r not in served]
    missing += restore_feasibility(problem, routes)
    repair(problem, routes, missing, screenings)
    served = {r for route in routes.values() for r in route}
    unassigned = [explain_unassigned(problem, routes, r, screenings[r]) for r in missing if r not in served]
    return result_from_routes(
        problem, routes, status=status, unassigned=unassigned, **tracker.summary(), warnings=warnings, engine=engine
    )
