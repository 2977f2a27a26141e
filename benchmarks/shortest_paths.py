"""Point-to-stops travel for a live quote: the contraction hierarchy against two whole-map Dijkstras.

For each of `--addresses` generated addresses on the region, both ways of finding the fastest
paths to and from `--targets` road nodes (a day's stops) are timed, side by side in the same run:

- ``dijkstra``: what the live path did before issue 14, two scipy searches over the whole graph
  (to the address on the reversed graph, from it on the graph), packed weights;
- ``hierarchy``: `RoadHierarchy.paths` (RoutingKit's CCH, two metrics, targets pinned once).

It prints the build time of the hierarchy, the median milliseconds per address of each (medians
over `--repeats` runs) and their ratio, and checks every answer: times equal, metres equal except
the documented near-ties (counted).

    python benchmarks/shortest_paths.py --region shenzhen-pingshan --targets 2000 --addresses 200 --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from optimizer.geo.hierarchy import RoadHierarchy, node_order
from optimizer.geo.region import load_region


def main(argv: list[str] | None = None) -> None:
    """Parse the command line, time both methods and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", default="shenzhen-pingshan")
    parser.add_argument("--targets", type=int, default=2000)
    parser.add_argument("--addresses", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    region = load_region(args.region)
    graph = region.road_graph
    n = len(graph.lonlat)
    began = time.perf_counter()
    order = node_order(graph, region.fingerprint, None)
    ordered = time.perf_counter()
    hierarchy = RoadHierarchy(graph, order)
    built = time.perf_counter()
    print(
        f"{args.region}: {n:,} nodes, {len(graph.edges.u):,} arcs; node order {ordered - began:.2f} s, "
        f"hierarchy and both metrics {built - ordered:.2f} s"
    )
    rng = np.random.default_rng(5)
    targets = np.sort(rng.choice(n, min(n, args.targets), replace=False)).astype(np.int64)
    sources = rng.choice(n, args.addresses).astype(np.int64)
    everywhere = np.arange(n, dtype=np.int64)
    timings: dict[str, list[float]] = {"dijkstra": [], "hierarchy": []}
    times_differ = metres_differ = 0
    for _ in range(args.repeats):
        began = time.perf_counter()
        reference = []
        for source in sources:
            one = np.array([source])
            in_cs, in_dm = graph.paths(one, everywhere, reverse=True)
            out_cs, out_dm = graph.paths(one, everywhere)
            reference.append((in_cs[0, targets], in_dm[0, targets], out_cs[0, targets], out_dm[0, targets]))
        timings["dijkstra"].append((time.perf_counter() - began) / len(sources))
        began = time.perf_counter()
        answers = [hierarchy.paths(int(source), targets) for source in sources]
        timings["hierarchy"].append((time.perf_counter() - began) / len(sources))
        for (in_cs, in_dm, out_cs, out_dm), paths in zip(reference, answers, strict=True):
            times_differ += int((paths.in_cs != in_cs).sum() + (paths.out_cs != out_cs).sum())
            metres_differ += int((paths.in_dm != in_dm).sum() + (paths.out_dm != out_dm).sum())
    dijkstra_ms = 1000 * statistics.median(timings["dijkstra"])
    hierarchy_ms = 1000 * statistics.median(timings["hierarchy"])
    pairs = 2 * args.repeats * len(sources) * len(targets)
    print(
        f"per address, to and from {len(targets):,} targets (medians of {args.repeats}): "
        f"two Dijkstras {dijkstra_ms:.3f} ms, hierarchy {hierarchy_ms:.3f} ms ({dijkstra_ms / hierarchy_ms:.1f}x)"
    )
    print(f"pairs checked {pairs:,}: times differ {times_differ}, metres differ {metres_differ} (near-ties)")
    if times_differ:
        raise SystemExit("the hierarchy's times differ from the Dijkstra's")


if __name__ == "__main__":
    main()
