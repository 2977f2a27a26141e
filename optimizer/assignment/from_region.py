"""Build an assignment problem from a region's sites and a list of returns.

A return waits at a consolidation point: the courier depot nearest by road for a doorstep pickup,
the drop-off point nearest by road for a drop-off, or the site named in the input. Line-haul metres
from every consolidation point to every center come from the road network.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from optimizer.assignment.problem import DEFAULT_UNPLACED_PENALTY_CENTS, AssignmentProblem, ReturnBatch
from optimizer.domain import CATEGORIES, Return
from optimizer.errors import ValidationError
from optimizer.geo.region import Region
from optimizer.geo.road_matrix import RoadNetworkSource


def _categories(region: Region, items: Sequence[Return]) -> tuple[str, ...]:
    named = {item.category for item in items} | {name for c in region.sites.centers for name in c.categories}
    known = [name for name in CATEGORIES if name in named]
    return (*known, *sorted(named - set(known)))


def assignment_problem(
    region: Region,
    items: Sequence[Return],
    *,
    source: RoadNetworkSource | None = None,
    unplaced_penalty_cents: int = DEFAULT_UNPLACED_PENALTY_CENTS,
) -> AssignmentProblem:
    """The region's centers and consolidation points, with each return's origin resolved."""
    source = replace(source, field="returns") if source else RoadNetworkSource(region, field="returns")
    sites = region.sites
    origin_ids = tuple(d.id for d in sites.depots) + tuple(p.id for p in sites.drop_off_points)
    origin_locations = [d.location for d in sites.depots] + [p.location for p in sites.drop_off_points]
    index_of = {site_id: i for i, site_id in enumerate(origin_ids)}
    origin = np.full(len(items), -1, dtype=np.int64)
    for i, item in enumerate(items):
        if item.origin_id is not None:
            if item.origin_id not in index_of:
                raise ValidationError(
                    f"returns[{i}].origin", f"no depot or drop-off point {item.origin_id!r} in {region.name}"
                )
            origin[i] = index_of[item.origin_id]
    for method, offset, candidates in (
        ("pickup", 0, [d.location for d in sites.depots]),
        ("drop_off", len(sites.depots), [p.location for p in sites.drop_off_points]),
    ):
        chosen = [i for i, item in enumerate(items) if item.location is not None and item.method == method]
        if not chosen:
            continue
        if not candidates:
            raise ValidationError(f"returns[{chosen[0]}].method", f"region {region.name} has no site for {method}")
        nearest = source.nearest(candidates, [item.location for i in chosen if (item := items[i]).location])
        origin[chosen] = offset + nearest
    categories = _categories(region, items)
    category_index = {name: k for k, name in enumerate(categories)}
    batch = ReturnBatch(
        tuple(item.id for item in items),
        origin,
        np.array([category_index[item.category] for item in items], dtype=np.int64),
        np.array([item.weight_g for item in items], dtype=np.int64),
    )
    haul = source.line_haul_m(origin_locations, [center.location for center in sites.centers])
    return AssignmentProblem(
        origin_ids, categories, sites.centers, haul, region.line_haul, batch, unplaced_penalty_cents
    )
