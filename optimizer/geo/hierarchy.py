"""Point-to-stops travel without scanning the map: customizable contraction hierarchies (RoutingKit).

A live quote needs the fastest path between one new address and the day's stops, depots and
drop-off points, not the whole network. A CCH answers one source against a pinned set of targets
by two short searches up and down a precomputed node order, so its cost follows the targets, not
the size of the city (``docs/architecture.md`` has the measured comparison with Dijkstra).

RoutingKit weights are 32-bit (``2**31 - 1`` is "unreachable"), too narrow for the float-packed
weight of `road_graph`. Two metrics give the same answer instead:

- ``time``: centiseconds alone. Its distances are the exact fastest times.
- ``packed``: ``scale * cs + dm`` with the largest `scale` that keeps every shortest path of the
  graph below ``2**31``. It minimises time, then metres among equally fast paths, so
  ``packed - scale * time`` is the fastest path's decimetres, as the Dijkstra packs them.

The one approximation: a path at most δ centiseconds slower than the fastest but more than
``scale * δ`` decimetres shorter wins the packed metric, and its (smaller) metres are reported
with the exact fastest time. On Pingshan `scale` is 5,335 (533 m per hundredth of a second); one
pair in 1.27 million differed, by 1.1 km (``tests/geo/test_hierarchy.py`` holds the bound).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from weakref import WeakKeyDictionary

import numpy as np
import numpy.typing as npt
import routingkit_cch as rk
from scipy.sparse.csgraph import dijkstra

from optimizer.errors import ValidationError
from optimizer.geo.disk_cache import write_atomically
from optimizer.geo.road_graph import RoadGraph

IntArray = npt.NDArray[np.int64]
ORDER_FORMAT = "cch-order-v1"
"""Bumped whenever the node order is computed differently, so an old cached order is never reused."""
UNREACHABLE = 2**31 - 1
PINNED_SETS = 4
"""Target arrays each thread keeps pinned (two days' plans, the sites, one spare)."""
MIN_SCALE = 64
"""Below this the packed metric would trade too little time for distance to call its metres exact."""


@dataclass(frozen=True)
class Paths:
    """Fastest paths between one node and some targets: centiseconds and decimetres, both ways."""

    in_cs: IntArray
    in_dm: IntArray
    out_cs: IntArray
    out_dm: IntArray


class _Queries(threading.local):
    """Per thread, query buffers pinned to each recently used target array (a query object is not shareable).

    A quote prices against a few target sets (each day's plan, the depots and drop-off points); keeping
    each pinned saves pinning them again on every call.
    """

    def __init__(self, time: rk.CCHMetric, packed: rk.CCHMetric) -> None:
        self.metrics = (time, packed)
        self.pinned: OrderedDict[int, _Pinned] = OrderedDict()

    def pinned_to(self, targets: IntArray) -> _Pinned:
        """The query set pinned to `targets` (by identity), pinning the least recently used one if needed."""
        found = self.pinned.get(id(targets))
        if found is not None and found.targets is targets:
            self.pinned.move_to_end(id(targets))
            return found
        listed = targets.tolist()
        if len(self.pinned) < PINNED_SETS:
            time, packed = self.metrics
            found = _Pinned(
                targets,
                (rk.CCHOneToMany(time, listed), rk.CCHOneToMany(packed, listed)),
                (rk.CCHManyToOne(time, listed), rk.CCHManyToOne(packed, listed)),
            )
        else:
            _, found = self.pinned.popitem(last=False)
            for query in found.out:
                query.repin_targets(listed)
            for back in found.into:
                back.repin_sources(listed)
            found = _Pinned(targets, found.out, found.into)
        self.pinned[id(targets)] = found  # the set keeps `targets` alive, so its id stays unique
        return found


@dataclass(frozen=True, eq=False)
class _Pinned:
    targets: IntArray
    out: tuple[rk.CCHOneToMany, rk.CCHOneToMany]
    into: tuple[rk.CCHManyToOne, rk.CCHManyToOne]


class RoadHierarchy:
    """A CCH of one road graph with its time and packed metrics."""

    def __init__(self, graph: RoadGraph, order: IntArray) -> None:
        edges = graph.edges
        self.node_count = len(graph.lonlat)
        self.scale = _packed_scale(graph)
        cch = rk.CCH(order.tolist(), edges.u.tolist(), edges.v.tolist(), False)
        self._time = rk.CCHMetric(cch, edges.time_cs.tolist())
        self._packed = rk.CCHMetric(cch, (self.scale * edges.time_cs + edges.length_dm).tolist())
        self._cch = cch  # the metrics and queries borrow it
        self._queries = _Queries(self._time, self._packed)

    def paths(self, node: int, targets: IntArray) -> Paths:
        """Fastest paths from every target to `node` (in) and from `node` to every target (out).

        The targets stay pinned in this thread's queries while they are among its `PINNED_SETS` most
        recent, so pricing many addresses against one plan's stops pins them once (pass the same array).
        """
        if not len(targets):
            empty = np.zeros(0, dtype=np.int64)
            return Paths(empty, empty, empty, empty)
        pinned = self._queries.pinned_to(targets)
        (out_time, out_packed), (in_time, in_packed) = pinned.out, pinned.into
        out_cs = _distances(out_time.distances_from(node))
        in_cs = _distances(in_time.distances_to(node))
        out_dm = _distances(out_packed.distances_from(node)) - self.scale * out_cs
        in_dm = _distances(in_packed.distances_to(node)) - self.scale * in_cs
        return Paths(in_cs, in_dm, out_cs, out_dm)


def _distances(values: list[int | None]) -> IntArray:
    found = np.array(values, dtype=np.float64)  # None (unreachable) becomes NaN; values below 2**31 stay exact
    if np.isnan(found).any():
        raise ValidationError("points", "a point is unreachable on the road graph")
    return found.astype(np.int64)


def _packed_scale(graph: RoadGraph) -> int:
    """The largest scale with every shortest ``scale * cs + dm`` path of the graph below ``2**31 - 1``.

    Any path u -> w is at most u -> 0 -> w, so twice one node's eccentricity bounds the time; a fastest
    path has at most the steepest edge's decimetres per centisecond.
    """
    edges = graph.edges
    first = np.array([0], dtype=np.int64)
    bound_cs = int(dijkstra(graph.csr, indices=first).max() + dijkstra(graph.csr.T, indices=first).max()) + 1
    steepest = int(np.ceil((edges.length_dm / np.maximum(edges.time_cs, 1)).max(initial=0)))
    scale = (UNREACHABLE - 1) // bound_cs - steepest - 1
    if scale < MIN_SCALE:
        raise ValidationError("roads", f"paths of up to {bound_cs / 360_000:.1f} h are too long for the hierarchy")
    return scale


_BUILT: WeakKeyDictionary[RoadGraph, RoadHierarchy] = WeakKeyDictionary()
_BUILD_LOCK = threading.Lock()


def hierarchy_of(graph: RoadGraph, fingerprint: str, cache_dir: Path | None) -> RoadHierarchy:
    """The graph's hierarchy, built once per process; its node order is cached on disk like the matrices."""
    with _BUILD_LOCK:
        built = _BUILT.get(graph)
        if built is None:
            built = _BUILT[graph] = RoadHierarchy(graph, node_order(graph, fingerprint, cache_dir))
        return built


def node_order(graph: RoadGraph, fingerprint: str, cache_dir: Path | None) -> IntArray:
    """The nested-dissection node order (the slow, weight-free step), read from the cache when there."""
    n = len(graph.lonlat)
    path = None
    if cache_dir is not None:
        digest = hashlib.sha256(f"{ORDER_FORMAT}\0{fingerprint}".encode()).hexdigest()[:32]
        path = cache_dir / f"cch-order-{n}-{digest}.npy"
        try:
            order = np.load(path)
            if order.shape == (n,) and np.array_equal(np.sort(order), np.arange(n)):
                return np.asarray(order, dtype=np.int64)
        except (OSError, ValueError):
            pass  # absent or damaged: computed again
    edges = graph.edges
    order = np.asarray(
        rk.compute_order_inertial(
            n, edges.u.tolist(), edges.v.tolist(), graph.lonlat[:, 1].tolist(), graph.lonlat[:, 0].tolist()
        ),
        dtype=np.int64,
    )
    if path is not None:
        write_atomically(path, lambda f: np.save(f, order))
    return order
