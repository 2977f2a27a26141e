"""The PyVRP race: used where its model fits, never where it cannot honour a constraint."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from optimizer.domain import PickupRequest, TimeWindow
from optimizer.routing import pyvrp_search
from optimizer.routing.params import SolveParams
from optimizer.routing.result import SolveStatus
from tests.builders import courier, plane_problem, request, solve_valid


def _grid(n: int) -> list[tuple[PickupRequest, tuple[float, float]]]:
    return [(request(f"r{i}", windows=[(0, 20_000)], service_s=60), (150 * (i % 6), 150 * (i // 6))) for i in range(n)]


def test_pyvrp_takes_part_when_the_problem_fits_its_model_and_the_plan_is_valid() -> None:
    problem = plane_problem({"D": (0, 0)}, [courier("c1"), courier("c2")], _grid(24))
    assert pyvrp_search.unsupported(problem) is None
    result = solve_valid(problem, time_limit_s=1.5)
    assert result.status is SolveStatus.FEASIBLE
    assert result.engine in {"ortools", "pyvrp"}
    assert not result.unassigned


def test_skills_reach_pyvrp_as_profiles_and_the_bulky_item_rides_in_the_van() -> None:
    requests = [*_grid(12), (request("sofa", skills=["bulky"]), (300, 300))]
    problem = plane_problem(
        {"D": (0, 0)}, [courier("trike", per_km_cents=10), courier("van", skills=["bulky"])], requests
    )
    assert pyvrp_search.unsupported(problem) is None
    routes = pyvrp_search.search(problem, list(range(13)), 1.0, seed=3, mandatory_prize=10**9)
    assert routes is not None
    van = problem.courier_index["van"]
    assert problem.request_index["sofa"] in routes[van]
    result = solve_valid(problem, time_limit_s=1.0)
    assert not result.unassigned


def test_locked_stops_keep_pyvrp_out() -> None:
    locked = plane_problem(
        {"D": (0, 0)}, [courier("c1", locked=["a"])], [(request("a"), (5, 5)), (request("b"), (9, 9))]
    )
    assert pyvrp_search.unsupported(locked) == "locked stops"
    result = solve_valid(locked, time_limit_s=1.0)
    assert result.engine == "ortools"


def test_several_windows_reach_pyvrp_as_a_group_and_one_window_is_used() -> None:
    # The first window is out of reach (the shift starts at 50): PyVRP must pick the second.
    problem = plane_problem(
        {"D": (0, 0)},
        [courier("c1", shift=TimeWindow(50, 10_000))],
        [(request("a", windows=[(0, 120), (300, 400)]), (100, 0)), (request("b", windows=[(0, 5_000)]), (0, 80))],
    )
    routes = pyvrp_search.search(problem, [0, 1], 0.5, seed=2, mandatory_prize=10**9)
    assert routes is not None
    assert sorted(routes[0]) == [0, 1]
    result = solve_valid(problem, time_limit_s=1.0)
    stop = next(s for s in result.routes[0].stops if s.request_id == "a")
    assert 300 <= stop.service_start_s <= 400


def test_a_request_pyvrp_cannot_serve_leaves_the_ortools_plan_in_charge() -> None:
    # "far" can be served but only at an exorbitant detour; "never" is reachable by nobody in its slot.
    problem = plane_problem(
        {"D": (0, 0)},
        [courier("c1")],
        [(request("a"), (100, 0)), (request("never", windows=[(0, 10)]), (5_000, 0)), (request("b"), (0, 100))],
    )
    result = solve_valid(problem, time_limit_s=1.0)
    assert [u.request_id for u in result.unassigned] == ["never"]


def test_the_race_forks_only_in_a_single_threaded_process_and_uses_a_fork_server_in_a_threaded_host() -> None:
    fresh = "from optimizer.routing import pyvrp_search; print(pyvrp_search.start_method('auto'))"
    alone = subprocess.run([sys.executable, "-c", fresh], check=True, capture_output=True, text=True, timeout=120)
    assert alone.stdout.strip() == "fork"
    release = threading.Event()
    host = threading.Thread(target=release.wait)
    host.start()
    try:
        assert pyvrp_search.start_method("auto") == "forkserver"
    finally:
        release.set()
        host.join()


@pytest.mark.parametrize("method", ["fork", "forkserver", "spawn"])
def test_every_start_method_runs_the_race_and_gives_a_valid_plan(method: str) -> None:
    if method == "fork" and threading.active_count() > 1:
        # the race forks only in a single-threaded process ("auto" takes a fork server otherwise): a
        # fork from this threaded test process may copy a lock another thread holds, so the fork
        # case runs alone in a fresh interpreter, as it does in the product
        node = f"{__file__}::test_every_start_method_runs_the_race_and_gives_a_valid_plan[fork]"
        alone = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", node],
            check=False,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert alone.returncode == 0, alone.stdout[-2000:]
        return
    problem = plane_problem({"D": (0, 0)}, [courier("c1"), courier("c2")], _grid(12))
    budget_s = 3.0  # generous: a loaded CI machine may take a while to start a child, which is not the point here
    race = pyvrp_search.PyvrpRace(problem, list(range(12)), time.perf_counter() + budget_s, 1, 10**9, method)
    routes = race.result()
    assert routes is not None, race.failure
    assert sorted(r for route in routes.values() for r in route) == list(range(12))
    assert race.start_s is not None
    assert 0 <= race.start_s < budget_s
    result = solve_valid(problem, time_limit_s=0.5, params=SolveParams(race_start=method))
    assert not result.unassigned
