"""A bundled scenario day end to end, as a planner runs it: wall time, and Backhaul against today's practice.

Each run is the real command (`backhaul scenario run FILE --out DIR`) in a fresh process, so imports,
region loading, the simulated day with both designs, the report and its images all count. The
comparison with today's practice is computed in the same run, on the same shoppers. Runs must give
identical KPIs (same file, same seed). Targets (issue 6): <= 3 minutes for about 3,000 returns;
cost per return >= 35 % lower than today's practice.

    python benchmarks/scenario_day.py scenarios/baseline_pingshan.toml --runs 3
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

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "baseline_pingshan.toml"


def main() -> None:
    """Parse the command line and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", type=Path, default=SCENARIO)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    walls, all_kpis = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            command = [sys.executable, "-m", "backhaul", "scenario", "run", str(args.scenario), "--out", folder]
            started = time.perf_counter()
            completed = subprocess.run(command, capture_output=True, text=True, check=False)
            walls.append(time.perf_counter() - started)
            if completed.returncode != 0:
                raise SystemExit(f"run failed: {completed.stderr.strip()}")
            all_kpis.append(json.loads((Path(folder) / "kpis.json").read_text()))
    kpis, base = all_kpis[0], all_kpis[0]["baseline"]
    same = all(k == kpis for k in all_kpis)
    print(f"{kpis['scenario']}: {kpis['returns']:,} returns, {args.runs} runs; identical KPIs: {same}")
    print(f"  wall time: median {statistics.median(walls):.1f} s [{min(walls):.1f}-{max(walls):.1f}] (target <= 180 s)")
    rows = (
        ("cost per return (yuan)", "cost_per_return_cents"),
        ("  without unplaced penalties", "cost_per_return_excl_penalty_cents"),
        ("  per processed return", "cost_per_placed_return_cents"),
    )
    for label, key in rows:
        mine, theirs = kpis[key] / 100, base[key] / 100
        change = 100 * (mine - theirs) / theirs
        print(f"  {label:<30} Backhaul {mine:8.2f}  today's practice {theirs:8.2f}  ({change:+.1f} %)")
    for label, key in (
        ("pickups booked", "pickups_booked"),
        ("returns left unplaced", "unplaced_returns"),
        ("courier km", "courier_km"),
        ("courier hours", "courier_hours"),
        ("CO2 kg", "co2_kg"),
    ):
        print(f"  {label:<30} Backhaul {kpis[key]:8,}  today's practice {base[key]:8,}")
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
