r"""Route quality on VRPTW benchmark instances: Backhaul against the baseline and peer engines.

    python benchmarks/vrptw.py benchmarks/instances/solomon/*.txt --time-limit 5 --out results/solomon.jsonl \\
        --engine backhaul --engine ortools-plain --engine pyvrp --engine vroom

Distance objective (Euclidean, double precision for the reported distance; the engines work on
the same integer data: distances x1000 rounded, travel times x1000 rounded up), waiting allowed,
service at the customer, fleet at most the file's. Every engine gets the same wall-clock budget
per instance, one instance after another; every plan is re-checked by the project's validator.
The reference is the `distance_only` best-known solution of `instances/bks.csv` where there is
one (Solomon), else the hierarchical (fewest vehicles first) one, which a distance objective may
legitimately beat. Engines `vroom` needs the `[peers]` extra.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.peers import Routes, solve_ortools_plain, solve_pyvrp, solve_vroom
from optimizer.errors import BackhaulError
from optimizer.io.solomon import problem_from_vrptw, read_solomon
from optimizer.routing import solve, validate
from optimizer.routing.plan import result_from_routes
from optimizer.routing.problem import RoutingProblem
from optimizer.routing.result import SolveStatus

BKS = Path(__file__).resolve().parent / "instances" / "bks.csv"


def _backhaul(problem: RoutingProblem, time_limit_s: float, seed: int) -> Routes:
    result = solve(problem, time_limit_s=time_limit_s, seed=seed)
    return [[int(stop.request_id) for stop in route.stops] for route in result.routes]


ENGINES: dict[str, Callable[[RoutingProblem, float, int], Routes]] = {
    "backhaul": _backhaul,
    "ortools-plain": lambda problem, limit, _seed: solve_ortools_plain(problem, limit),
    "pyvrp": solve_pyvrp,
    "vroom": lambda problem, limit, _seed: solve_vroom(problem, limit),
}


def load_references(path: Path = BKS) -> dict[str, tuple[float, str]]:
    """Per instance: (reference distance, kind), preferring the distance-only best-known solution."""
    references: dict[str, tuple[float, str]] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            kind = row["objective_kind"]
            if kind == "distance_only" or row["instance"] not in references:
                references[row["instance"]] = (float(row["distance"]), kind)
    return references


def run_one(path: Path, engine: str, time_limit_s: float, seed: int) -> dict[str, Any]:
    """Solve one instance with one engine and check the plan with the project's validator."""
    instance = read_solomon(path)
    problem = problem_from_vrptw(instance)
    started = time.perf_counter()
    routes = ENGINES[engine](problem, time_limit_s, seed)
    runtime = time.perf_counter() - started
    index = problem.request_index
    courier_routes = {v: [index[str(c)] for c in route] for v, route in enumerate(routes)}
    violations: list[str] = []
    if len(routes) > len(problem.couriers):
        violations.append(f"{len(routes)} routes for {len(problem.couriers)} vehicles")
    else:
        plan = result_from_routes(
            problem, courier_routes, status=SolveStatus.FEASIBLE, runtime_s=runtime, strict=False, unassigned=[]
        )
        violations = validate(problem, plan)
    served = sum(len(route) for route in routes)
    return {
        "instance": path.stem,
        "engine": engine,
        "time_limit_s": time_limit_s,
        "runtime_s": round(runtime, 3),
        "distance": round(instance.route_distance(routes), 4),
        "vehicles": len(routes),
        "complete": served == instance.customers,
        "valid": not violations,
        "violations": violations[:5],
        "routes": routes,
    }


def _class_of(instance: str) -> str:
    """c1, r2, rc1, ...: Gehring-Homberger names carry it before "_", Solomon's before two digits."""
    return instance.split("_", maxsplit=1)[0] if "_" in instance else instance[:-2]


def summarise(rows: list[dict[str, Any]], references: dict[str, tuple[float, str]]) -> str:
    """Per class and overall: mean gap to the reference, vehicles, runtime, failures; per engine."""
    lines = []
    engines = sorted({r["engine"] for r in rows}, key=list(ENGINES).index)
    kinds = {references[r["instance"]][1] for r in rows if r["instance"] in references}
    lines.append(f"reference: {', '.join(sorted(kinds))} (bks.csv); gap = distance / reference - 1")
    header = f"{'class':<8}{'engine':<15}{'n':>4}{'mean gap %':>12}{'vehicles':>10}{'runtime s':>11}{'failed':>8}"
    lines.append(header)
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[(_class_of(row["instance"]), row["engine"])].append(row)
        groups[("all", row["engine"])].append(row)
    classes = [*sorted({c for c, _ in groups if c != "all"}), "all"]
    for cls in classes:
        for engine in engines:
            group = groups.get((cls, engine), [])
            if not group:
                continue
            ok = [r for r in group if r["valid"] and r["complete"]]
            gaps = [100 * (r["distance"] / references[r["instance"]][0] - 1) for r in ok if r["instance"] in references]
            gap = f"{statistics.mean(gaps):.2f}" if gaps else "-"
            vehicles = statistics.mean(r["vehicles"] for r in group)
            runtime = statistics.mean(r["runtime_s"] for r in group)
            failed = len(group) - len(ok)
            lines.append(f"{cls:<8}{engine:<15}{len(group):>4}{gap:>12}{vehicles:>10.1f}{runtime:>11.2f}{failed:>8}")
    totals = {e: sum(r["distance"] for r in rows if r["engine"] == e) for e in engines}
    if totals.get("pyvrp"):
        for engine in engines:
            ratio = 100 * (totals[engine] / totals["pyvrp"] - 1)
            lines.append(f"total distance {engine}: {totals[engine]:.1f} ({ratio:+.2f} % vs pyvrp)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instances", nargs="+", type=Path, metavar="INSTANCE_FILE")
    parser.add_argument("--time-limit", type=float, required=True, help="wall-clock seconds per instance and engine")
    parser.add_argument("--out", type=Path, required=True, metavar="RESULTS.jsonl")
    parser.add_argument(
        "--engine", action="append", choices=list(ENGINES), help="repeat for several (default backhaul)"
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    engines = args.engine or ["backhaul"]
    try:  # read every file first: a bad one should stop the run before hours of solving
        for path in args.instances:
            read_solomon(path)
    except BackhaulError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    references = load_references()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    with args.out.open("w") as out:
        for path in args.instances:
            for engine in engines:
                row = run_one(path, engine, args.time_limit, args.seed)
                rows.append(row)
                out.write(json.dumps(row) + "\n")
                out.flush()
                reference = references.get(row["instance"], (float("nan"), ""))[0]
                status = "ok" if row["valid"] and row["complete"] else "FAILED " + "; ".join(row["violations"][:1])
                print(
                    f"{row['instance']:<10} {engine:<14} {row['distance']:>10.2f} ref {reference:>9.2f} "
                    f"veh {row['vehicles']:>3} {row['runtime_s']:>6.2f} s {status}",
                    flush=True,
                )
    print(summarise(rows, references))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
