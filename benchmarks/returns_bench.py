"""The returns-routing benchmark: run engines on `benchmarks/returns/` instances, validate, tabulate.

    python benchmarks/returns_bench.py benchmarks/returns/pingshan_300*.json --time-limit 10
        --engine backhaul --engine pyvrp --engine vroom --engine ortools-plain

Each engine that can express an instance solves it within the time limit (`benchmarks/engines.py`;
an online day is played by `benchmarks/online.py`: `backhaul` re-plans, `insertion` is the greedy
baseline). Every solution is written to `--out` and checked by `backhaul validate` in a separate
process, from the files alone. The table (markdown) gives, per instance and engine: the cost the
project's one cost model gives the plan (median over `--runs` seeds), its gap to the best known,
pickups served (refused, for online days; an online day that served everyone is compared with its
static day's best known), vans used, km, seconds and cores, and whether every
run passed `backhaul validate`. `--record` writes a better validated complete plan into
`benchmarks/returns/best_known.json` with the command that found it.
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the project's packages

from benchmarks import online
from benchmarks.arguments import positive, positive_seconds
from benchmarks.engines import CORES, ENGINES, cannot_express
from optimizer.errors import BackhaulError
from optimizer.io.problem_json import MAX_PROBLEM_BYTES, load_problem
from optimizer.io.solution_json import result_to_dict
from optimizer.io.strict import read_json_file
from optimizer.routing.problem import RoutingProblem
from optimizer.routing.result import RoutingResult

BEST_KNOWN = Path(__file__).with_name("returns") / "best_known.json"
ALL_ENGINES = (*ENGINES, "insertion")


def _validate(problem_file: Path, solution_file: Path) -> tuple[bool, str]:
    """`backhaul validate PROBLEM SOLUTION` in its own process: (passed, its first line)."""
    command = [sys.executable, "-m", "backhaul", "validate", str(problem_file), str(solution_file)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = (done.stdout + done.stderr).strip().splitlines()
    return done.returncode == 0, lines[0] if lines else f"exit status {done.returncode}"


def _write(path: Path, document: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return path


def _figures(result: RoutingResult) -> dict[str, Any]:
    return {
        "cost_cents": round(result.cost.total_cents, 2),
        "served": sum(len(route.stops) for route in result.routes),
        "vans": len(result.routes),
        "km": round(result.distance_m / 1000, 1),
        "runtime_s": round(result.runtime_s, 2),
    }


def run(path: Path, engine: str, seconds: float, seed: int, out: Path) -> dict[str, Any]:
    """One engine on one instance, its solution written and validated: a row of the table."""
    instance = path.name.removesuffix(".json")
    row: dict[str, Any] = {"instance": instance, "engine": engine, "seed": seed, "time_limit_s": seconds}
    data = read_json_file(path, lambda d: d, max_bytes=MAX_PROBLEM_BYTES)
    started = time.perf_counter()
    if online.is_online(data):
        if engine not in online.ENGINES:
            return row | {"skipped": "bookings arrive over the day and stops under way stay (no locked prefixes)"}
        outcome = online.play(online.read_online(path), engine, seconds, seed)
        problem, result = outcome.problem, outcome.result
        row |= {"refused": outcome.refused, "replans_kept": f"{outcome.replans_kept}/{outcome.replans}"}
        problem_file = _write(out / f"{instance}.{engine}.{seed}.problem.json", outcome.document)
    else:
        if engine not in ENGINES:
            return row | {"skipped": "an online engine (for *_online days)"}
        problem = load_problem(path)
        why = cannot_express(engine, problem)
        if why:
            return row | {"skipped": why}
        result = ENGINES[engine](problem, seconds, seed)
        problem_file = path
    row["wall_s"] = round(time.perf_counter() - started, 2)
    row |= _figures(result) | {"requests": _requests(data, problem)}
    solution_file = _write(out / f"{instance}.{engine}.{seed}.solution.json", result_to_dict(result, problem))
    row["valid"], row["validate"] = _validate(problem_file, solution_file)
    return row


def _requests(data: Any, problem: RoutingProblem) -> int:
    return len(data["problem"]["requests"]) if online.is_online(data) else len(problem.requests)


def summarise(rows: list[dict[str, Any]], best: dict[str, Any]) -> list[dict[str, Any]]:
    """One line per instance and engine: medians over the runs, and whether every run validated."""
    lines = []
    for key in dict.fromkeys((r["instance"], r["engine"]) for r in rows):
        group = [r for r in rows if (r["instance"], r["engine"]) == key]
        if "skipped" in group[0]:
            lines.append({"instance": key[0], "engine": key[1], "skipped": group[0]["skipped"]})
            continue
        median = {name: statistics.median(r[name] for r in group) for name in ("cost_cents", "served", "vans", "km")}
        # An online day that served every booking is measured against its static day's best known:
        # the price of not knowing the day in advance.
        known = best.get(key[0].removesuffix("_online"), {}).get("cost_cents")
        complete = all(r["served"] == r["requests"] for r in group)
        line = {
            "instance": key[0],
            "engine": key[1],
            "runs": len(group),
            **median,
            "requests": group[0]["requests"],
            "gap_pct": round(100 * (median["cost_cents"] / known - 1), 2) if known and complete else None,
            "refused": statistics.median(r["refused"] for r in group) if "refused" in group[0] else None,
            "runtime_s": statistics.median(r["runtime_s"] for r in group),
            "cores": 2 if key[1] == "backhaul" else CORES.get(key[1], 1),
            "valid": all(r["valid"] for r in group),
        }
        lines.append(line)
    return lines


def markdown(lines: list[dict[str, Any]]) -> str:
    """The summary as a markdown table."""
    out = [
        "| instance | engine | cost (yuan) | vs best known | served | vans | km | s | cores | `backhaul validate` |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for line in lines:
        if "skipped" in line:
            out.append(f"| {line['instance']} | {line['engine']} | cannot express: {line['skipped']} ||||||||")
            continue
        gap = f"{line['gap_pct']:+.2f} %" if line["gap_pct"] is not None else "-"
        served = f"{line['served']:g} / {line['requests']}"
        if line["refused"] is not None:
            served += f" ({line['refused']:g} refused)"
        valid = f"passed ({line['runs']} of {line['runs']})" if line["valid"] else "FAILED"
        out.append(
            f"| {line['instance']} | {line['engine']} | {line['cost_cents'] / 100:,.2f} | {gap} | {served} | "
            f"{line['vans']:g} | {line['km']:,.1f} | {line['runtime_s']:.1f} | {line['cores']} | {valid} |"
        )
    return "\n".join(out)


def record(rows: list[dict[str, Any]], best: dict[str, Any], command: str) -> bool:
    """Keep each instance's cheapest validated complete plan in `best`; True when one improved."""
    improved = False
    for row in rows:
        if "skipped" in row or not row["valid"] or row["served"] != row["requests"] or "refused" in row:
            continue
        known = best.get(row["instance"])
        if known is None or row["cost_cents"] < known["cost_cents"]:
            best[row["instance"]] = {
                "cost_cents": row["cost_cents"],
                "engine": row["engine"],
                "seed": row["seed"],
                "time_limit_s": row["time_limit_s"],
                "command": command,
                "found": datetime.now(UTC).date().isoformat(),
            }
            improved = True
    return improved


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run every engine on every instance, print and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instances", nargs="+", type=Path, metavar="INSTANCE")
    parser.add_argument(
        "--time-limit", type=positive_seconds, required=True, help="seconds per instance, engine and run"
    )
    parser.add_argument("--engine", action="append", choices=ALL_ENGINES, help="repeat for several (default: all)")
    parser.add_argument(
        "--runs", type=positive, default=1, help="runs per engine (seeds 0, 1, ...); the table has medians"
    )
    parser.add_argument("--out", type=Path, default=Path("results/returns_bench"), help="solutions and results.json")
    parser.add_argument("--record", action="store_true", help=f"record better validated plans in {BEST_KNOWN}")
    args = parser.parse_args(argv)
    engines = args.engine or list(ALL_ENGINES)
    try:  # read every instance first: a bad one stops the run before any solving
        for path in args.instances:
            data = read_json_file(path, lambda d: d, max_bytes=MAX_PROBLEM_BYTES)
            online.read_online(path) if online.is_online(data) else load_problem(path)
    except BackhaulError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    best = json.loads(BEST_KNOWN.read_text()) if BEST_KNOWN.is_file() else {}
    rows = []
    args.out.mkdir(parents=True, exist_ok=True)
    for path in args.instances:
        for engine in engines:
            for seed in range(args.runs):
                row = run(path, engine, args.time_limit, seed, args.out)
                rows.append(row)
                with (args.out / "rows.jsonl").open("a", encoding="utf-8") as log:  # kept if the run is cut short
                    log.write(json.dumps(row) + "\n")
                shown = row.get("skipped") or f"{row['cost_cents'] / 100:,.2f} yuan; {row['validate']}"
                print(f"{row['instance']:<22} {engine:<14} seed {seed}: {shown}", file=sys.stderr, flush=True)
                if "skipped" in row:
                    break
    command = shlex.join(["python", "benchmarks/returns_bench.py", *(argv if argv is not None else sys.argv[1:])])
    if args.record and record(rows, best, command):
        BEST_KNOWN.write_text(json.dumps(best, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    lines = summarise(rows, best)
    _write(args.out / "results.json", {"command": command, "rows": rows, "table": lines})
    print(markdown(lines))
    return 0 if all(line.get("valid", True) for line in lines) else 1


if __name__ == "__main__":
    raise SystemExit(main())
