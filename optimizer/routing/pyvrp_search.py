"""Second search engine: PyVRP's iterated local search, raced on both cores beside OR-Tools.

PyVRP (MIT) is strong on the core problem: several depots, a heterogeneous fleet with fixed,
distance and time costs, vehicle speeds (as routing profiles), shifts and route durations,
capacities in several dimensions, exchanges (its simultaneous pickup and delivery: deliveries
leave the depot, pickups come back) and optional requests with a prize. Skills become routing
profiles in which a courier's barred stops are out of reach; several windows become a group of
clients of which one is visited. It has no locked prefixes, so a re-plan of a day under way is
left to the OR-Tools model alone.
Whatever PyVRP returns is timed, checked (skills included) and costed by our own code before it
can win the race.
"""

from __future__ import annotations

import math
import multiprocessing
import threading
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

import numpy as np

from optimizer.routing.problem import COST_UNITS_PER_CENT, RoutingProblem

if TYPE_CHECKING:
    from pyvrp import ProblemData

Routes = dict[int, list[int]]
_MARGIN_S = 0.15
"""Time kept back from the child's budget to send its routes and stop."""


def unsupported(problem: RoutingProblem) -> str | None:
    """Why PyVRP cannot take this problem (None if it can)."""
    try:
        import pyvrp  # noqa: F401
    except ImportError:
        return "pyvrp is not installed"
    if any(problem.locked_requests):
        return "locked stops"
    return None


Profile = tuple[float, frozenset[str]]
"""A routing profile: the vehicle's speed factor and the skills it has."""


@dataclass(frozen=True)
class _Fleet:
    """Couriers grouped into PyVRP vehicle types; `members[t]` are the couriers of type t."""

    members: list[list[int]]
    profiles: list[Profile]


def _fleet(problem: RoutingProblem) -> _Fleet:
    groups: dict[tuple[object, ...], list[int]] = {}
    for v, c in enumerate(problem.couriers):
        key = (
            problem.start_point(v),
            problem.end_point(v),
            c.shift,
            c.capacity,
            c.fixed_cost_cents,
            c.cost_per_km_cents,
            c.cost_per_hour_cents,
            c.duration_limit_s,
            c.speed_factor,
            c.skills,
        )
        groups.setdefault(key, []).append(v)
    profiles = sorted({(c.speed_factor, c.skills) for c in problem.couriers}, key=lambda p: (p[0], sorted(p[1])))
    return _Fleet(list(groups.values()), profiles)


def _cost_divisor(problem: RoutingProblem, modelled: Sequence[int]) -> int:
    """The largest integer dividing every cost coefficient.

    The largest integer dividing every cost coefficient: PyVRP's penalties adapt within fixed
    bounds, so costs are handed over as small as they can be without changing the optimum.
    """
    per_m, per_s = COST_UNITS_PER_CENT // 1000, COST_UNITS_PER_CENT // 3600
    values = [c.cost_per_km_cents * per_m for c in problem.couriers]
    values += [c.cost_per_hour_cents * per_s for c in problem.couriers]
    values += [c.fixed_cost_cents * COST_UNITS_PER_CENT for c in problem.couriers]
    values += [problem.penalty_units(r) for r in modelled if not problem.requests[r].mandatory]
    return math.gcd(*values) or 1


def _data(problem: RoutingProblem, modelled: Sequence[int], fleet: _Fleet, mandatory_prize: int) -> ProblemData:
    import pyvrp

    divisor = _cost_divisor(problem, modelled)
    n_depots = len(problem.depots)
    points = list(range(n_depots)) + [problem.request_point(r) for r in modelled]
    index = np.ix_(points, points)
    locations = [pyvrp.Location(0.0, 0.0) for _ in points]
    depots = [pyvrp.Depot(location=d) for d in range(n_depots)]
    # One client per time window; a request with several windows is a group of clients, one per
    # window, of which at most one is visited. Every client is optional: a mandatory one carries the
    # same prize as OR-Tools' drop penalty, so a request nobody can serve does not make PyVRP's
    # whole plan infeasible.
    clients: list[pyvrp.Client] = []
    groups: list[pyvrp.ClientGroup] = []
    for k, r in enumerate(modelled):
        request = problem.requests[r]
        several = len(request.time_windows) > 1
        first = len(clients)
        for window in request.time_windows:
            clients.append(
                pyvrp.Client(
                    location=n_depots + k,
                    delivery=list(request.delivery_load.as_tuple()),
                    pickup=list(request.pickup_load.as_tuple()),
                    service_duration=request.service_s,
                    tw_early=window.start_s,
                    tw_late=window.end_s,
                    prize=(mandatory_prize if request.mandatory else problem.penalty_units(r)) // divisor,
                    required=False,
                    group=len(groups) if several else None,
                )
            )
        if several:
            groups.append(pyvrp.ClientGroup(list(range(first, len(clients))), required=False))
    per_m, per_s = COST_UNITS_PER_CENT // 1000, COST_UNITS_PER_CENT // 3600
    vehicle_types = []
    for members in fleet.members:
        v = members[0]
        c = problem.couriers[v]
        vehicle_types.append(
            pyvrp.VehicleType(
                num_available=len(members),
                capacity=list(c.capacity.as_tuple()),
                start_depot=problem.start_point(v),
                end_depot=problem.end_point(v),
                fixed_cost=c.fixed_cost_cents * COST_UNITS_PER_CENT // divisor,
                tw_early=c.shift.start_s,
                tw_late=c.shift.end_s,
                shift_duration=c.duration_limit_s,
                unit_distance_cost=c.cost_per_km_cents * per_m // divisor,
                unit_duration_cost=c.cost_per_hour_cents * per_s // divisor,
                profile=fleet.profiles.index((c.speed_factor, c.skills)),
            )
        )
    # One profile per (speed, skills): a stop the profile's couriers may not serve is put out of
    # reach (travel longer than any shift), which PyVRP can only break with a time warp it rejects.
    # PyVRP's stubs type matrices as ndarray[int], hence Any.
    far = max(c.shift.end_s for c in problem.couriers) + 1
    distances: list[Any] = []
    durations: list[Any] = []
    for factor, skills in fleet.profiles:
        courier = next(v for v, c in enumerate(problem.couriers) if c.speed_factor == factor)
        distance = problem.matrix.distance_m[index].copy()
        duration = problem.travel_s(courier)[index].copy()
        barred = [n_depots + k for k, r in enumerate(modelled) if not problem.requests[r].required_skills <= skills]
        for matrix, value in ((distance, far), (duration, far)):
            matrix[barred, :] = value
            matrix[:, barred] = value
            np.fill_diagonal(matrix, 0)
        distances.append(distance)
        durations.append(duration)
    return pyvrp.ProblemData(locations, clients, depots, vehicle_types, distances, durations, groups)


class _Deadline:
    """PyVRP's stopping criterion at a wall-clock time (`time.monotonic`)."""

    def __init__(self, at: float) -> None:
        self.at = at

    def __call__(self, best_cost: int) -> bool:  # noqa: ARG002 (the name is PyVRP's protocol)
        return time.monotonic() >= self.at


def search(
    problem: RoutingProblem,
    modelled: Sequence[int],
    seconds: float,
    seed: int,
    mandatory_prize: int,
    *,
    setup_counts: bool = True,
) -> Routes | None:
    """PyVRP's best feasible plan within `seconds` of this call (None if it found none), as courier -> requests.

    The seconds include building PyVRP's model and its set-up (neighbourhoods, a first local search
    from a random plan: about 3 s at 2,000 pickups), which cannot be interrupted. With
    `setup_counts=False` they are PyVRP's own `MaxRuntime`, whose clock starts once that set-up is
    done: PyVRP run as its users run it, the benchmarks' peer.
    """
    import pyvrp
    from pyvrp.exceptions import PenaltyBoundWarning
    from pyvrp.stop import MaxRuntime

    stop = _Deadline(time.monotonic() + seconds) if setup_counts else MaxRuntime(max(0.01, seconds))
    fleet = _fleet(problem)
    data = _data(problem, modelled, fleet, mandatory_prize)
    with warnings.catch_warnings():
        # PyVRP warns when its penalties saturate; an infeasible answer is handled below instead.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        # Penalties must be able to outweigh the largest prize, or PyVRP would rather break a
        # window or a capacity than leave a request out.
        prize = max((client.prize for client in data.clients()), default=0)
        params = pyvrp.SolveParams(penalty=pyvrp.PenaltyParams(max_penalty=max(100_000.0, 10.0 * prize)))
        best = pyvrp.solve(data, stop=stop, seed=seed, display=False, params=params).best
    if not best.is_feasible():
        return None
    owner = [r for r in modelled for _ in problem.requests[r].time_windows]  # client -> request, as in _data
    free = [list(members) for members in fleet.members]
    routes: Routes = {}
    for route in best.routes():
        courier = free[route.vehicle_type()].pop(0)
        routes[courier] = [owner[a.idx] for a in route.schedule() if a.is_client()]
    return routes


def _child(
    conn: Connection, problem: RoutingProblem, modelled: Sequence[int], deadline: float, seed: int, prize: int
) -> None:
    started = time.monotonic()
    try:
        answer: Routes | str | None = search(problem, modelled, deadline - started - _MARGIN_S, seed, prize)
    except Exception as error:  # the race goes on without this engine; the parent records why
        answer = f"{type(error).__name__}: {error}"
    try:
        conn.send((started, answer))
    finally:
        conn.close()


def start_method(requested: str) -> str:
    """The process start method for the race.

    ``auto`` forks while this process runs a single Python thread (the fastest start, and safe then);
    inside a threaded host (a web server, a notebook kernel) it uses a fork server, which forks from
    a clean single-threaded process that has PyVRP already loaded.
    """
    if requested != "auto":
        return requested
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return "fork"
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


class PyvrpRace:
    """PyVRP searching in a child process (on the other core) until `deadline` (a `time.perf_counter` time)."""

    def __init__(
        self,
        problem: RoutingProblem,
        modelled: Sequence[int],
        deadline: float,
        seed: int,
        mandatory_prize: int,
        method: str = "auto",
    ) -> None:
        self.method = start_method(method)
        context: Any = multiprocessing.get_context(self.method)  # typeshed types it by literal name only
        if self.method == "forkserver":
            context.set_forkserver_preload([__name__, "pyvrp"])  # no effect once the server runs
        self._conn, child_conn = context.Pipe(duplex=False)
        self.created = time.monotonic()
        deadline = self.created + (deadline - time.perf_counter())  # the child's clock is the system-wide one
        self._process = context.Process(
            target=_child, args=(child_conn, problem, list(modelled), deadline, seed, mandatory_prize), daemon=True
        )
        self._process.start()
        child_conn.close()
        self._deadline = deadline
        self.failure: str | None = None
        self.start_s: float | None = None
        """Seconds from the race's creation until the child began to search (start-up cost)."""

    def result(self) -> Routes | None:
        """The child's routes, or None if it found no feasible plan in time (see `failure`)."""
        try:
            if not self._conn.poll(max(0.0, self._deadline - time.monotonic()) + _MARGIN_S):
                self.failure = "pyvrp did not answer in time"
                return None
            started, answer = self._conn.recv()
            self.start_s = started - self.created
        except (EOFError, OSError) as error:
            self.failure = f"pyvrp stopped: {error}"
            return None
        finally:
            self.close()
        if isinstance(answer, str):
            self.failure = answer
            return None
        return answer  # type: ignore[no-any-return]

    def close(self) -> None:
        """Stop the child if it still runs and release the pipe."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(timeout=1.0)
        self._conn.close()
