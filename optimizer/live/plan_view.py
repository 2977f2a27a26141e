"""A day plan's insertion gaps as arrays, and the part of them near an address.

`LivePlanner` prices a pickup against every gap of every route at once (numpy). A city's day has
thousands of stops, most of them far from any one address; the road queries' cost follows the
number of gap ends asked for, so `near` keeps only the gaps with an end within a radius of the
address (a scan of the ends, then a k-d tree over them once a plan is asked often), plus every
gap of an empty route (its courier would start from the depot).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from functools import cached_property

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from optimizer.geo.road_matrix import Targets
from optimizer.routing.insertion import Gaps

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
WHOLE_SHARE = 0.5
"""Past this share of the gaps near an address, the whole plan is priced (cheaper than a new target set)."""
TREE_AFTER = 4
"""Addresses a plan is asked about by a scan of its ends before their k-d tree is built: a plan that
bookings keep replacing is asked once or twice, and building the tree costs several scans."""


@dataclass(frozen=True, eq=False)
class Ends:
    """The road points on either side of every gap: where the legs to and from a new address go."""

    prev_node: IntArray
    prev_access: FloatArray
    next_node: IntArray
    next_access: FloatArray

    @classmethod
    def concat(cls, parts: Sequence[Ends]) -> Ends:
        """The ends of several routes' gaps, in order."""
        return cls(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)))

    def take(self, index: IntArray) -> Ends:
        """The ends of the gaps at `index`."""
        return Ends(*(getattr(self, f.name)[index] for f in fields(self)))

    def targets(self) -> Targets:
        """Every end as one target set: all the previous points, then all the next ones."""
        return Targets.of(
            np.concatenate([self.prev_node, self.next_node]), np.concatenate([self.prev_access, self.next_access])
        )


@dataclass(frozen=True, eq=False)
class PlanView:
    """Gaps, their ends (as one pinned target set) and each gap's courier figures."""

    gaps: Gaps
    ends: Ends
    speed: FloatArray
    per_km: FloatArray
    per_hour: FloatArray
    capacity: IntArray
    xy: FloatArray
    """Metres (the region's UTM zone) of every end, previous ones first, as in `targets`."""

    _asked: list[int] = field(default_factory=lambda: [0], repr=False)
    """How many addresses this view was asked about (shared by threads; a lost count only delays the tree)."""

    @cached_property
    def targets(self) -> Targets:
        """Every end as one target set (made when first priced against: a view cut by `near` is not)."""
        return self.ends.targets()

    @cached_property
    def _tree(self) -> cKDTree:
        return cKDTree(self.xy)

    def _within(self, xy: FloatArray, radius_m: float) -> IntArray:
        """Indexes of the ends within `radius_m` of `xy`: a scan at first, the k-d tree once asked often."""
        self._asked[0] += 1
        if self._asked[0] <= TREE_AFTER:
            return np.flatnonzero(((self.xy - xy) ** 2).sum(axis=1) <= radius_m * radius_m)
        return np.asarray(self._tree.query_ball_point(xy, radius_m), dtype=np.int64)

    def near(self, xy: FloatArray, radius_m: float | None) -> PlanView:
        """The gaps with an end within `radius_m` of `xy` and those of empty routes (all: `None`).

        Never fewer: past `WHOLE_SHARE` of them, all of them.
        """
        count = len(self.gaps.route)
        if radius_m is None or count == 0:
            return self
        keep = ~self.gaps.has_stops
        keep[self._within(xy, radius_m) % count] = True
        if keep.mean() > WHOLE_SHARE:  # most of the plan anyway: its whole target set is pinned already
            return self
        index = np.flatnonzero(keep)
        return PlanView(
            self.gaps.take(index),
            self.ends.take(index),
            self.speed[index],
            self.per_km[index],
            self.per_hour[index],
            self.capacity[index],
            np.concatenate([self.xy[:count][index], self.xy[count:][index]]),
        )
