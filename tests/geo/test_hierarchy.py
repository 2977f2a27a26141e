"""The contraction hierarchy answers what the Dijkstra over packed weights answers.

Times are exact. Metres are the fastest path's, and never outside the documented bound: at least the
shortest distance, at most the fastest path's metres.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import routingkit_cch as rk
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from optimizer.geo.hierarchy import RoadHierarchy, hierarchy_of, node_order
from optimizer.geo.region import Region
from optimizer.geo.road_matrix import LocatedPoint, RoadNetworkSource, Targets


def _reference(region: Region, sources: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per source, over every node: fastest cs and its dm (both ways), and the shortest dm (out)."""
    graph = region.road_graph
    everywhere = np.arange(len(graph.lonlat), dtype=np.int64)
    out_cs, out_dm = graph.paths(sources, everywhere)
    in_cs, in_dm = graph.paths(sources, everywhere, reverse=True)
    edges, n = graph.edges, len(graph.lonlat)
    metres = csr_array((edges.length_dm.astype(float), (edges.u, edges.v)), shape=(n, n))
    shortest_out = dijkstra(metres, indices=sources)
    return out_cs, out_dm, in_cs, in_dm, shortest_out


@pytest.mark.parametrize("name", ["tiny_region", "shanghai"])
def test_times_are_exact_and_metres_are_the_fastest_paths(name: str, request: pytest.FixtureRequest) -> None:
    region: Region = request.getfixturevalue(name)
    hierarchy = RoadNetworkSource(region).hierarchy
    n = len(region.road_graph.lonlat)
    rng = np.random.default_rng(7)
    sources = rng.choice(n, min(n, 40), replace=False).astype(np.int64)
    everywhere = np.arange(n, dtype=np.int64)
    out_cs, out_dm, in_cs, in_dm, shortest_out = _reference(region, sources)
    differ = 0
    for k, source in enumerate(sources):
        paths = hierarchy.paths(int(source), everywhere)
        np.testing.assert_array_equal(paths.out_cs, out_cs[k])
        np.testing.assert_array_equal(paths.in_cs, in_cs[k])
        assert (paths.out_dm >= shortest_out[k]).all()
        assert (paths.out_dm <= out_dm[k]).all()
        differ += int((paths.out_dm != out_dm[k]).sum() + (paths.in_dm != in_dm[k]).sum())
    assert differ <= 2 * len(sources) * n // 100_000  # the documented near-tie: about 1 pair in a million


def test_targets_in_any_order_with_repeats_give_each_its_own_answer(shanghai: Region) -> None:
    source = RoadNetworkSource(shanghai)
    n = len(shanghai.road_graph.lonlat)
    nodes = np.array([5, n - 1, 5, 17, 0, n - 1], dtype=np.int64)
    access = np.linspace(0.0, 50.0, len(nodes))
    point = LocatedPoint(123, 7.5)
    (in_s, in_m), (out_s, out_m) = source.legs(point, Targets.of(nodes, access))
    for i in range(len(nodes)):
        alone = Targets.of(nodes[i : i + 1], access[i : i + 1])
        (one_in_s, one_in_m), (one_out_s, one_out_m) = source.legs(point, alone)
        assert (in_s[i], in_m[i], out_s[i], out_m[i]) == (one_in_s[0], one_in_m[0], one_out_s[0], one_out_m[0])


def test_legs_equal_the_matrix_entries_for_the_same_points(shanghai: Region) -> None:
    """A price computed for one address uses the travel figures a solve would use (one rounding rule)."""
    source = RoadNetworkSource(shanghai)
    locations = [p.location for p in shanghai.sites.drop_off_points] + [d.location for d in shanghai.sites.depots]
    matrix = source.matrix_for(locations)
    nodes, access = source.locate(locations)
    targets = Targets.of(nodes, access)
    for i in range(len(locations)):
        (in_s, in_m), (out_s, out_m) = source.legs(LocatedPoint(int(nodes[i]), float(access[i])), targets)
        others = np.arange(len(locations)) != i
        np.testing.assert_array_equal(out_s[others], matrix.duration_s[i][others])
        np.testing.assert_array_equal(out_m[others], matrix.distance_m[i][others])
        np.testing.assert_array_equal(in_s[others], matrix.duration_s[:, i][others])
        np.testing.assert_array_equal(in_m[others], matrix.distance_m[:, i][others])


def test_threads_querying_at_once_each_get_their_own_answer(shanghai: Region) -> None:
    hierarchy = RoadNetworkSource(shanghai).hierarchy
    n = len(shanghai.road_graph.lonlat)
    rng = np.random.default_rng(3)
    jobs = [(int(rng.integers(n)), rng.choice(n, 300, replace=False).astype(np.int64)) for _ in range(64)]
    alone = [hierarchy.paths(node, targets) for node, targets in jobs]
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda job: hierarchy.paths(*job), jobs))
    for a, b in zip(alone, together, strict=True):
        np.testing.assert_array_equal(a.out_cs, b.out_cs)
        np.testing.assert_array_equal(a.in_dm, b.in_dm)


def test_the_node_order_is_cached_and_a_damaged_cache_is_rebuilt(
    tiny_region: Region, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    graph, fingerprint = tiny_region.road_graph, tiny_region.fingerprint
    first = node_order(graph, fingerprint, tmp_path)
    (cached,) = tmp_path.glob("cch-order-*.npy")
    with monkeypatch.context() as patched:  # read back, not computed again
        patched.setattr(rk, "compute_order_inertial", lambda *_: pytest.fail("the cached order was not used"))
        np.testing.assert_array_equal(node_order(graph, fingerprint, tmp_path), first)
    cached.write_bytes(b"not an order")
    again = node_order(graph, fingerprint, tmp_path)
    np.testing.assert_array_equal(again, first)
    np.testing.assert_array_equal(np.load(cached), first)  # written again
    targets = np.arange(len(graph.lonlat), dtype=np.int64)
    np.testing.assert_array_equal(
        RoadHierarchy(graph, again).paths(0, targets).out_cs,
        hierarchy_of(graph, fingerprint, None).paths(0, targets).out_cs,
    )


def test_more_target_sets_than_stay_pinned_are_each_answered_right(shanghai: Region) -> None:
    """Cycling through more target arrays than a thread keeps pinned re-pins the oldest, never mixes them up."""
    hierarchy = RoadNetworkSource(shanghai).hierarchy
    graph = shanghai.road_graph
    n = len(graph.lonlat)
    rng = np.random.default_rng(11)
    sets = [np.sort(rng.choice(n, size, replace=False)).astype(np.int64) for size in (3, 50, 7, 400, 1, 90)]
    source = np.array([42], dtype=np.int64)
    for round_ in range(3):
        for targets in sets if round_ % 2 == 0 else sets[::-1]:
            paths = hierarchy.paths(42, targets)
            out_cs, _ = graph.paths(source, targets)
            in_cs, _ = graph.paths(source, targets, reverse=True)
            np.testing.assert_array_equal(paths.out_cs, out_cs[0])
            np.testing.assert_array_equal(paths.in_cs, in_cs[0])
