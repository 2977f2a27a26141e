"""Measure `backhaul route` on a problem file: wall time against the time limit, and plan cost.

Each run starts the real command in a fresh process (imports, model building, search, reporting
and writing the solution all count), with a different seed; the CLI re-validates every plan and
exits non-zero if the validator rejects it. As a baseline in the same run, the construction
heuristic alone (`--solution-limit 1`) is timed and costed on the same seeds.

    python benchmarks/route_sample.py [PROBLEM.json] --time-limit 10 --runs 5 [--region shenzhen-pingshan]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "scenarios" / "pickups_pingshan_sample.json"


def run_once(problem: Path, time_limit_s: float, seed: int, extra: list[str]) -> dict[str, float]:
    """One CLI run; returns wall time, solver runtime, cost in cents and requests served."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "solution.json"
        command = [sys.executable, "-m", "backhaul", "route", str(problem), "--time-limit", str(time_limit_s)]
        command += ["--seed", str(seed), "--out", str(out), "--quiet", *extra]
        started = time.perf_counter()
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        if completed.returncode != 0:
            raise SystemExit(f"run failed ({completed.returncode}): {completed.stderr.strip()}")
        solution = json.loads(out.read_text())
    return {
        "wall_s": wall,
        "runtime_s": solution["runtime_s"],
        "cost_cents": solution["cost"]["total_cents"],
        "served": sum(len(route["stops"]) for route in solution["routes"]),
        "unassigned": len(solution["unassigned"]),
        "vehicles": solution["vehicles_used"],
    }


def main() -> None:
    """Parse the command line and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("problem", nargs="?", type=Path, default=SAMPLE)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--region", help="plan over this region's road network (as `make run` does)")
    args = parser.parse_args()
    region = ["--region", args.region] if args.region else []
    rows: dict[str, list[dict[str, float]]] = {"construction only": [], f"search {args.time_limit:g} s": []}
    for seed in range(args.runs):
        rows["construction only"].append(
            run_once(args.problem, args.time_limit, seed, ["--solution-limit", "1", *region])
        )
        rows[f"search {args.time_limit:g} s"].append(run_once(args.problem, args.time_limit, seed, region))
    print(f"{args.problem.name}: {args.runs} runs per row (seeds 0..{args.runs - 1}), median [min-max]")
    print(f"{'engine':<20}{'wall s':>22}{'cost':>28}{'served':>8}{'vehicles':>10}")
    for name, runs in rows.items():
        wall = [r["wall_s"] for r in runs]
        cost = [r["cost_cents"] / 100 for r in runs]
        print(
            f"{name:<20}{statistics.median(wall):>8.2f} [{min(wall):.2f}-{max(wall):.2f}]"
            f"{statistics.median(cost):>12.2f} [{min(cost):.2f}-{max(cost):.2f}]"
            f"{statistics.median(r['served'] for r in runs):>8.0f}"
            f"{statistics.median(r['vehicles'] for r in runs):>10.0f}"
        )
    search = rows[f"search {args.time_limit:g} s"]
    overrun = max(r["wall_s"] for r in search) - args.time_limit
    print(f"worst wall time over the limit (process start included): {overrun:+.2f} s")
    base = statistics.median(r["cost_cents"] for r in rows["construction only"])
    best = statistics.median(r["cost_cents"] for r in search)
    print(f"search / construction cost ratio (medians): {best / base:.3f}")


if __name__ == "__main__":
    main()
