"""A sweep of 8 runs on a 2-worker Dask LocalCluster against the same 8 runs one after another.

The runs are `scenarios/baseline_pingshan.toml` with fewer returns (so that repeating the whole
comparison stays within minutes), `fleet.couriers_per_depot` varied over 4 values with 2 seeds
each. Both ways must give the same KPIs; the figure is the ratio of wall times, median of repeats,
both measured in the same run (issue 6: the Dask sweep must be measurably faster).

    python benchmarks/sweep_dask.py --returns 600 --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from distributed import LocalCluster

from optimizer.scenario.sweep import run_dask, run_one, runs

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "baseline_pingshan.toml"


def main() -> None:
    """Parse the command line and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--returns", type=int, default=600)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        scenario = Path(folder) / "sweep.toml"
        scenario.write_text(SCENARIO.read_text().replace("returns = 3000", f"returns = {args.returns}"))
        planned = runs(scenario, "fleet.couriers_per_depot", [4, 6, 8, 10], 2)
        cache = Path(folder) / "cache"
        run_one(planned[0], str(cache))  # warm the matrix cache, so neither side pays for it alone
        serial, parallel = [], []
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)  # type: ignore[no-untyped-call]
        try:
            for _ in range(args.repeats):
                started = time.perf_counter()
                one_by_one = [run_one(run, str(cache)) for run in planned]
                serial.append(time.perf_counter() - started)
                started = time.perf_counter()
                on_dask = run_dask(planned, cache, cluster.scheduler_address)
                parallel.append(time.perf_counter() - started)
                assert on_dask == one_by_one, "Dask and the serial run must give the same KPIs"
        finally:
            cluster.close()
    s, p = statistics.median(serial), statistics.median(parallel)
    print(f"{len(planned)} runs ({args.returns} returns each), {args.repeats} repeats, median [min-max]:")
    print(f"  one after another: {s:6.1f} s [{min(serial):.1f}-{max(serial):.1f}]")
    print(f"  Dask LocalCluster (2 workers): {p:6.1f} s [{min(parallel):.1f}-{max(parallel):.1f}]")
    print(f"  speed-up: {s / p:.2f}x (same KPIs both ways)")


if __name__ == "__main__":
    main()
