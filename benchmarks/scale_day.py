"""A realistic return day at scale: time to the first plan, and cost against a long run of the same model.

    python benchmarks/scale_day.py --pickups 2000 --couriers 60 --time-limit 120 --reference-limit 600

Generated data (seeded): pickups spread over a 20 x 14 km district, 2-hour slots from 09:00 to
21:00, about 4 % bulky items that only vans may carry, 10 % exchanges; couriers on e-trikes and
vans from 4 depots with two shift patterns. Each run goes through `optimizer.routing.solve` (the
production path) and the validator; the report gives wall time, time to the first plan, cost,
couriers used and pickups left out, for the run and for the reference run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optimizer.domain import Courier, Depot, Load, Location, Parcel, PickupRequest, TimeWindow
from optimizer.geo.matrices import HaversineSource
from optimizer.routing import RoutingProblem, solve, validate

SOUTH, WEST, NORTH, EAST = 22.66, 114.26, 22.79, 114.45


def generate_day(pickups: int, couriers: int, *, depots: int = 4, seed: int = 7) -> RoutingProblem:
    """A seeded synthetic day: pickups, 2-hour slots, bulky items, exchanges, mixed fleet."""
    rng = np.random.default_rng(seed)

    def place() -> Location:
        return Location(SOUTH + rng.random() * (NORTH - SOUTH), WEST + rng.random() * (EAST - WEST))

    sites = tuple(Depot(f"depot-{d + 1}", place()) for d in range(depots))
    fleet = []
    for v in range(couriers):
        van = v % 4 == 0
        early = v % 2 == 0
        fleet.append(
            Courier(
                f"{'van' if van else 'trike'}-{v + 1:03d}",
                sites[v % depots].id,
                sites[v % depots].id,
                TimeWindow(8 * 3600, 17 * 3600) if early else TimeWindow(12 * 3600, 21 * 3600 + 1800),
                Load(700_000, 4_500_000, 90) if van else Load(150_000, 1_200_000, 40),
                frozenset({"bulky"}) if van else frozenset(),
                18_000 if van else 6_000,
                140 if van else 25,
                4_500 if van else 3_500,
                9 * 3600 if van else 8 * 3600,
                1.0 if van else 0.8,
            )
        )
    requests = []
    for i in range(pickups):
        slot = 9 * 3600 + 2 * 3600 * int(rng.integers(6))
        bulky = rng.random() < 0.04
        parcel = (
            Parcel(int(rng.integers(18_000, 40_000)), 250_000)
            if bulky
            else Parcel(int(rng.integers(300, 4_000)), int(rng.integers(3_000, 30_000)))
        )
        exchange = (Parcel(parcel.weight_g, parcel.volume_cm3),) if rng.random() < 0.1 else ()
        requests.append(
            PickupRequest(
                f"RET-{i + 1:05d}",
                place(),
                (TimeWindow(slot, slot + 7200),),
                420 if bulky else int(rng.integers(120, 300)),
                (parcel,),
                exchange,
                frozenset({"bulky"}) if bulky else frozenset(),
            )
        )
    return RoutingProblem.from_source(sites, tuple(fleet), tuple(requests), HaversineSource(1.35, 24.0))


def run(problem: RoutingProblem, time_limit_s: float, seed: int) -> str:
    """One solve of the day, checked by the validator, as a report line."""
    started = time.perf_counter()
    result = solve(problem, time_limit_s=time_limit_s, seed=seed)
    wall = time.perf_counter() - started
    problems = validate(problem, result)
    first = "none" if result.first_solution_s is None else f"{result.first_solution_s:.1f} s"
    over = 100 * (wall / time_limit_s - 1)
    return (
        f"limit {time_limit_s:>6.0f} s  wall {wall:>7.1f} s ({over:+.1f} %)  first plan {first}  "
        f"cost {result.cost.total_cents / 100:>11,.2f}  couriers {len(result.routes):>3}  "
        f"left out {len(result.unassigned):>4}  engine {result.engine}  valid {not problems}"
    )


def main() -> None:
    """Parse the command line and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pickups", type=int, default=2000)
    parser.add_argument("--couriers", type=int, default=60)
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--reference-limit", type=float, default=0.0, help="a long run of the same model (0: none)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    problem = generate_day(args.pickups, args.couriers)
    print(f"{args.pickups} pickups, {args.couriers} couriers, 4 depots", flush=True)
    print(run(problem, args.time_limit, args.seed), flush=True)
    if args.reference_limit:
        print(run(problem, args.reference_limit, args.seed), flush=True)


if __name__ == "__main__":
    main()
