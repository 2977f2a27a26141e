"""Start-up cost of the PyVRP race's child process, per start method, on a Solomon instance.

    python benchmarks/race_start.py --runs 7

For each method: the first race in a fresh process (a fork server boots then) and the median of the
next ones, in seconds from the race's creation until the child starts searching. Each method runs in
its own fresh interpreter, one after another, so they do not share a fork server or a warm cache.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optimizer.io.solomon import problem_from_vrptw, read_solomon
from optimizer.routing import pyvrp_search

INSTANCE = Path(__file__).resolve().parent / "instances" / "solomon" / "c101.txt"


def measure(method: str, runs: int) -> list[float]:
    """Start-up seconds of `runs` races in this process, in order."""
    problem = problem_from_vrptw(read_solomon(INSTANCE))
    modelled = list(range(len(problem.requests)))
    starts = []
    for seed in range(runs):
        race = pyvrp_search.PyvrpRace(problem, modelled, time.perf_counter() + 1.0, seed, 10**12, method)
        if race.result() is None or race.start_s is None:
            raise SystemExit(f"{method}: the race failed: {race.failure}")
        starts.append(race.start_s)
    return starts


def main() -> None:
    """Parse the command line and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--method", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.method:
        print(json.dumps(measure(args.method, args.runs)))
        return
    print(f"{'method':<11} {'first s':>8} {'median of next s':>17}")
    for method in ("fork", "forkserver", "spawn"):
        command = [sys.executable, __file__, "--runs", str(args.runs), "--method", method]
        starts = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        print(f"{method:<11} {starts[0]:8.3f} {statistics.median(starts[1:]):17.3f}")


if __name__ == "__main__":
    main()
