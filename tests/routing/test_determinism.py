"""Same problem, same seed and a solution limit: the same plan, whatever the machine's speed."""

from __future__ import annotations

from optimizer.io.problem_json import load_problem
from optimizer.routing.solver import solve
from optimizer.routing.validator import validate
from tests.paths import SAMPLE_PROBLEM

SAMPLE = SAMPLE_PROBLEM


def _plan(seed: int) -> list[tuple[str, list[str]]]:
    problem = load_problem(SAMPLE)
    result = solve(problem, time_limit_s=60.0, seed=seed, solution_limit=150)
    assert validate(problem, result) == []
    return [(r.courier_id, [s.request_id for s in r.stops]) for r in result.routes]


def test_same_seed_and_solution_limit_give_the_same_routes() -> None:
    assert _plan(seed=7) == _plan(seed=7)
