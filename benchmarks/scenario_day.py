"""A bundled scenario end to end, as a planner runs it: wall time, and Backhaul against today's practice.

Each run is the real command (`backhaul scenario run FILE --out DIR`) in a fresh process, so imports,
region loading, the simulated days with both designs, the report and its images all count. The
comparison with today's practice (nearest capable center with room, else the next-nearest, else the
queue; the same cost model) is computed in the same run, on the same shoppers. Runs must give
identical KPIs (same file, same seed). Targets: one day of about 3,000 returns <= 3 minutes (issue 6);
the Singles' Day week <= 6 minutes on 2 cores, no center-day over capacity on either side, cost per
processed return >= 35 % below today's practice, p95 days to inspection no worse (issue 11).

    python benchmarks/scenario_day.py scenarios/singles_day_week.toml --runs 3
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
from typing import Any

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "singles_day_week.toml"


def over_capacity(days: list[dict[str, Any]]) -> int:
    """Center-days that processed more than their capacity."""
    return sum(c["used"] > c["capacity"] for day in days for c in day["centers"])


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
    print(f"  wall time: median {statistics.median(walls):.1f} s [{min(walls):.1f}-{max(walls):.1f}]")
    mine, theirs = kpis["cost_per_processed_return_cents"] / 100, base["cost_per_processed_return_cents"] / 100
    print(
        f"  cost per processed return       Backhaul {mine:8.2f}  today's practice {theirs:8.2f}"
        f"  ({100 * (mine - theirs) / theirs:+.1f} %)"
    )
    for part in kpis["cost_cents"]:
        a, b = kpis["cost_cents"][part], base["cost_cents"][part]
        print(
            f"    {part:<28} Backhaul {a / 100 / kpis['returns_processed']:8.2f}"
            f"  today's practice {b / 100 / base['returns_processed']:8.2f}  (yuan per processed return)"
        )
    for label, key in (
        ("returns processed", "returns_processed"),
        ("days to inspection p50", "days_to_inspection_p50"),
        ("days to inspection p95", "days_to_inspection_p95"),
        ("pickups booked", "pickups_booked"),
        ("returns not processed", "unplaced_returns"),
        ("courier km", "courier_km"),
        ("courier hours", "courier_hours"),
        ("CO2 kg", "co2_kg"),
    ):
        print(f"  {label:<30} Backhaul {kpis[key]:8,}  today's practice {base[key]:8,}")
    print(
        f"  center-days over capacity      Backhaul {over_capacity(kpis['days']):8,}"
        f"  today's practice {over_capacity(kpis['baseline_days']):8,}"
    )
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
