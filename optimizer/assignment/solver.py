"""The optimal assignment as a min-cost flow (OR-Tools), with exact shadow prices of every capacity.

Returns with the same consolidation point, category and chargeable weight cost the same everywhere,
so they are one flow: a million returns become a few thousand supply nodes. The network is

    group --(cost of one return there)--> (center, category) --(category capacity)--> center
          --(center capacity)--> sink,    and    group --(unplaced penalty)--> sink,

so a solution always exists and leaving a return unplaced is priced, not forbidden. The flow is an
integer optimum of the linear programme (the constraint matrix is totally unimodular), so the cost is
optimal and equals its own lower bound.

Shadow price of a capacity: the saving one more unit per day would bring. With one more unit on arc
(a -> b), the old flow stays feasible and the new optimum is reached by pushing one unit round the
cheapest residual cycle through the new unit: b back to a by the shortest residual path. So the
price is ``max(0, -dist_residual(b, a))``, computed for every capacity from node potentials (a
vectorised Bellman-Ford, then scipy's compiled Dijkstra on reduced costs) instead of one re-solve per
center.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from optimizer.assignment.problem import AssignmentProblem
from optimizer.assignment.result import (
    AssignmentResult,
    cost_of,
    explain_unplaced,
    usage,
)
from optimizer.errors import ValidationError

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class _Groups:
    """Returns aggregated by (origin, category, chargeable kg)."""

    of_return: IntArray
    origin: IntArray
    category: IntArray
    kg: IntArray
    supply: IntArray


def _groups(problem: AssignmentProblem) -> _Groups:
    returns = problem.returns
    kg = problem.chargeable_kg(returns.weight_g)
    width_k, width_c = int(kg.max(initial=1)) + 1, len(problem.categories)
    key = (returns.origin * width_c + returns.category) * width_k + kg
    unique, of_return, supply = np.unique(key, return_inverse=True, return_counts=True)
    return _Groups(
        of_return.reshape(-1).astype(np.int64),
        unique // (width_c * width_k),
        unique // width_k % width_c,
        unique % width_k,
        supply.astype(np.int64),
    )


@dataclass(frozen=True, eq=False)
class _Network:
    """The flow network's arcs as arrays, and where each kind of arc starts in them."""

    tail: IntArray
    head: IntArray
    capacity: IntArray
    cost: IntArray
    nodes: int
    sink: int
    group_arc_group: IntArray
    group_arc_center: IntArray
    pair_center: IntArray
    pair_category: IntArray
    first_penalty: int
    first_pair: int
    first_center: int


def _network(problem: AssignmentProblem, groups: _Groups) -> _Network:
    terms = problem.terms
    g_count, c_count = len(groups.supply), len(problem.centers)
    pair_center, pair_category = np.nonzero(terms.capable)
    pair_index = np.full(terms.capable.shape, -1, dtype=np.int64)
    pair_index[pair_center, pair_category] = np.arange(len(pair_center))
    pair_node = g_count + np.arange(len(pair_center))
    center_node = g_count + len(pair_center) + np.arange(c_count)
    sink = g_count + len(pair_center) + c_count

    unit = problem.unit_cost_cents(groups.origin, groups.category, groups.kg)
    capable = terms.capable[:, groups.category].T  # groups x centers
    arc_group, arc_center = np.nonzero(capable)
    category_supply = np.bincount(groups.category, weights=groups.supply, minlength=len(problem.categories))
    pair_capacity = np.where(
        terms.category_capacity[pair_center, pair_category] >= 0,
        terms.category_capacity[pair_center, pair_category],
        category_supply[pair_category].astype(np.int64),
    )
    tail = np.concatenate(
        [arc_group, np.arange(g_count), pair_node, center_node],
    )
    head = np.concatenate(
        [
            pair_node[pair_index[arc_center, groups.category[arc_group]]],
            np.full(g_count, sink),
            center_node[pair_center],
            np.full(c_count, sink),
        ]
    )
    capacity = np.concatenate([groups.supply[arc_group], groups.supply, pair_capacity, terms.capacity])
    cost = np.concatenate(
        [
            unit[arc_group, arc_center],
            np.full(g_count, problem.unplaced_penalty_cents),
            np.zeros(len(pair_center) + c_count, dtype=np.int64),
        ]
    )
    first_penalty = len(arc_group)
    return _Network(
        tail=tail.astype(np.int64),
        head=head.astype(np.int64),
        capacity=capacity.astype(np.int64),
        cost=cost.astype(np.int64),
        nodes=sink + 1,
        sink=sink,
        group_arc_group=arc_group.astype(np.int64),
        group_arc_center=arc_center.astype(np.int64),
        pair_center=pair_center.astype(np.int64),
        pair_category=pair_category.astype(np.int64),
        first_penalty=first_penalty,
        first_pair=first_penalty + g_count,
        first_center=first_penalty + g_count + len(pair_center),
    )


def _solve_flow(network: _Network, supply: IntArray) -> IntArray:
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        network.tail.astype(np.int32), network.head.astype(np.int32), network.capacity, network.cost
    )
    nodes = np.arange(len(supply) + 1, dtype=np.int32)
    nodes[-1] = network.sink
    flow.set_nodes_supplies(nodes, np.append(supply, -supply.sum()).astype(np.int64))
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise ValidationError("returns", f"the min-cost flow could not be solved (status {status}): costs out of range")
    return np.asarray(flow.flows(arcs), dtype=np.int64)


def _potentials(nodes: int, tail: IntArray, head: IntArray, cost: IntArray) -> IntArray:
    """Shortest distances from a virtual source joined to every node at cost 0 (Bellman-Ford, vectorised).

    An optimal flow's residual graph has no negative cycle, so this converges within `nodes` rounds;
    in practice in as many rounds as the longest alternating chain of centers.
    """
    distance = np.zeros(nodes, dtype=np.int64)
    for _ in range(nodes):
        relaxed = distance.copy()
        np.minimum.at(relaxed, head, distance[tail] + cost)
        if np.array_equal(relaxed, distance):
            return distance
        distance = relaxed
    raise AssertionError("negative residual cycle: the flow is not optimal")


def _shadow_prices(network: _Network, flows: IntArray) -> tuple[IntArray, IntArray]:
    """Savings of one more unit of each center's and each (center, category)'s capacity."""
    forward = flows < network.capacity
    backward = flows > 0
    tail = np.concatenate([network.tail[forward], network.head[backward]])
    head = np.concatenate([network.head[forward], network.tail[backward]])
    cost = np.concatenate([network.cost[forward], -network.cost[backward]])
    potential = _potentials(network.nodes, tail, head, cost)
    reduced = (cost + potential[tail] - potential[head]).astype(np.float64)  # >= 0: Dijkstra applies
    graph = csr_array((reduced, (tail, head)), shape=(network.nodes, network.nodes))

    center_arcs = np.arange(network.first_center, len(network.tail))
    pair_arcs = np.arange(network.first_pair, network.first_center)
    # cycle through a new unit on arc (a -> b): back from b to a
    sources = np.unique(np.concatenate([network.head[center_arcs], network.head[pair_arcs]]))
    reach = dijkstra(graph, directed=True, indices=sources)
    row = {int(node): i for i, node in enumerate(sources)}

    def price(arcs: IntArray) -> IntArray:
        a, b = network.tail[arcs], network.head[arcs]
        rows = np.array([row[int(node)] for node in b], dtype=np.int64)
        scaled = reach[rows, a]
        finite = np.isfinite(scaled)
        back = np.where(finite, scaled, 0).round().astype(np.int64) - potential[b] + potential[a]
        return np.where(finite, np.maximum(0, -back), 0)

    return price(center_arcs), price(pair_arcs)


def _allocate(groups: _Groups, network: _Network, flows: IntArray) -> IntArray:
    """Center of each return: a group's returns are interchangeable, so fill its flows in order."""
    group_flow = flows[: network.first_penalty]
    penalty_flow = flows[network.first_penalty : network.first_pair]
    entry_group = np.concatenate([network.group_arc_group, np.arange(len(groups.supply))])
    entry_center = np.concatenate([network.group_arc_center, np.full(len(groups.supply), -1)])
    entry_amount = np.concatenate([group_flow, penalty_flow])
    order = np.lexsort((entry_center < 0, entry_group))
    center_sorted = np.repeat(entry_center[order], entry_amount[order])
    center_of = np.empty(len(groups.of_return), dtype=np.int64)
    center_of[np.argsort(groups.of_return, kind="stable")] = center_sorted
    return center_of


def assign(problem: AssignmentProblem) -> AssignmentResult:
    """The cheapest assignment that respects every capacity and capability, with shadow prices."""
    started = time.perf_counter()
    if not len(problem.returns):
        uses = usage(problem, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        empty = np.zeros(0, dtype=np.int64)
        return AssignmentResult(empty, cost_of(problem, empty), tuple(uses), (), 0.0, True, 0)
    groups = _groups(problem)
    network = _network(problem, groups)
    flows = _solve_flow(network, groups.supply)
    center_of = _allocate(groups, network, flows)
    center_prices, pair_prices = _shadow_prices(network, flows)
    uses = usage(problem, center_of, center_of)
    categories = problem.categories
    priced = []
    for c, use in enumerate(uses):
        mine = network.pair_center == c
        by_category = {
            categories[int(k)]: int(p)
            for k, p in zip(network.pair_category[mine], pair_prices[mine], strict=True)
            if categories[int(k)] in use.category_capacity
        }
        priced.append(replace(use, shadow_price_cents=int(center_prices[c]), category_shadow_price_cents=by_category))
    return AssignmentResult(
        center_of=center_of,
        cost=cost_of(problem, center_of),
        centers=tuple(priced),
        unplaced=explain_unplaced(problem, center_of, uses),
        runtime_s=time.perf_counter() - started,
        optimal=True,
        groups=len(groups.supply),
    )
