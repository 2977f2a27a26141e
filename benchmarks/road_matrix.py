"""Road-network travel matrix: time to compute it cold and to reload it from the disk cache.

Each run loads the region afresh (so the drive graph is built again), takes N points (generated
addresses on residential streets plus the region's sites) and computes the matrix into an empty
cache folder (cold), then loads the region afresh again and asks for the same matrix (warm: a
cache hit, graph not built). The haversine estimate of the same points is timed in the same run
as the baseline. The cold and warm matrices must be identical. Targets (issue 4): cold <= 20 s
and warm <= 1 s for 2,000 points on Pingshan.

    python benchmarks/road_matrix.py --points 2000 --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from optimizer.demand import DemandSpec, generate_returns
from optimizer.geo.matrices import HaversineSource
from optimizer.geo.region import load_region
from optimizer.geo.road_matrix import RoadNetworkSource


def main() -> None:
    """Parse the command line and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", default="shenzhen-pingshan")
    parser.add_argument("--points", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    region = load_region(args.region)
    sites = [d.location for d in region.sites.depots] + [p.location for p in region.sites.drop_off_points]
    addresses = [r.address for r in generate_returns(region, DemandSpec(args.points - len(sites)), seed=11)]
    points = sites + addresses
    cold, warm, air = [], [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            first = RoadNetworkSource(load_region(args.region), Path(folder)).matrix_for(points)
            cold.append(time.perf_counter() - started)
            started = time.perf_counter()
            again = RoadNetworkSource(load_region(args.region), Path(folder)).matrix_for(points)
            warm.append(time.perf_counter() - started)
            assert np.array_equal(first.distance_m, again.distance_m)
            assert np.array_equal(first.duration_s, again.duration_s)
        started = time.perf_counter()
        HaversineSource().matrix_for(points)
        air.append(time.perf_counter() - started)
    graph = load_region(args.region).road_graph
    print(
        f"{args.region}: {graph.graph.number_of_nodes():,} nodes, {graph.graph.number_of_edges():,} edges; "
        f"{len(points):,} points; {args.runs} runs, median [min-max]"
    )
    for name, values, target in (
        ("road matrix, cold (graph built, cache empty)", cold, "<= 20 s"),
        ("road matrix, warm (region loaded, cache hit)", warm, "<= 1 s"),
        ("haversine estimate (baseline)", air, ""),
    ):
        print(f"  {name:<46} {statistics.median(values):7.3f} s [{min(values):.3f}-{max(values):.3f}]  {target}")
    print(f"  cold / haversine: {statistics.median(cold) / statistics.median(air):.0f}x")
    print(f"  median trip {np.median(first.duration_s) / 60:.1f} min, {np.median(first.distance_m) / 1000:.1f} km")


if __name__ == "__main__":
    main()
