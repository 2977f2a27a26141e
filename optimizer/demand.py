"""Realistic, reproducible return requests for a region and day (for planners, tests and benchmarks).

Addresses lie on residential streets, drawn with probability proportional to street length, so
dense neighbourhoods send more returns; each is set back a few metres from the street. Categories,
weights, volumes, return reasons, the shopper's choice of doorstep pickup or drop-off, and the
preferred pickup slot come from the documented profiles below. The same region, spec and seed
always give the same returns.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from optimizer.domain import CATEGORIES, OTHER_REASONS, QUALITY_REASONS, Location, Return, SlotGrid
from optimizer.errors import ValidationError
from optimizer.geo.region import Region

RESIDENTIAL_CLASSES = ("residential", "living_street")
SETBACK_SD_M = 15.0
"""Standard deviation of a building's offset from its street centre line."""


@dataclass(frozen=True)
class CategoryProfile:
    """How returns of one category look: share of returns, weight (log-normal), bulk, reasons, method."""

    share: float
    median_weight_g: float
    weight_sigma: float
    cm3_per_g: float
    quality_share: float
    """Share of returns with a quality problem (damaged, defective, not as described)."""
    pickup_only: bool = False


CATEGORY_PROFILES: Mapping[str, CategoryProfile] = MappingProxyType(
    dict(
        zip(
            CATEGORIES,
            (
                CategoryProfile(0.40, 600, 0.5, 4.0, 0.22),  # apparel
                CategoryProfile(0.15, 1_200, 0.3, 6.0, 0.18),  # shoes
                CategoryProfile(0.12, 900, 0.8, 3.0, 0.35),  # electronics
                CategoryProfile(0.23, 1_800, 0.7, 5.0, 0.20),  # home
                CategoryProfile(0.10, 15_000, 0.6, 8.0, 0.30, pickup_only=True),  # bulky
            ),
            strict=True,
        )
    )
)
"""E-commerce return mix (apparel dominates; bulky items need a courier)."""


@dataclass(frozen=True)
class DemandSpec:
    """What a day of returns looks like."""

    returns: int
    pickup_share: float = 0.55
    """Share of shoppers (bulky excepted) who choose a doorstep pickup over a drop-off point."""
    category_mix: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType({name: p.share for name, p in CATEGORY_PROFILES.items()})
    )
    slots: SlotGrid = field(default_factory=SlotGrid)
    slot_preference: tuple[float, ...] = (0.10, 0.12, 0.13, 0.15, 0.22, 0.28)
    """Relative demand per slot, in order; evenings are popular. Shorter than the grid: the rest repeat the last."""

    def __post_init__(self) -> None:
        if not self.slot_preference or min(self.slot_preference) < 0 or sum(self.slot_preference) <= 0:
            raise ValidationError("slot_preference", "must be non-negative weights with a positive sum")
        if isinstance(self.returns, bool) or not isinstance(self.returns, int) or not 0 <= self.returns <= 10**7:
            raise ValidationError("returns", f"must be an integer within [0, 10000000], got {self.returns!r}")
        if not (math.isfinite(self.pickup_share) and 0 <= self.pickup_share <= 1):
            raise ValidationError("pickup_share", f"must be within [0, 1], got {self.pickup_share}")
        for name, share in self.category_mix.items():
            if name not in CATEGORY_PROFILES:
                raise ValidationError(
                    f"category_mix.{name}", f"unknown category (known: {', '.join(CATEGORY_PROFILES)})"
                )
            if not (math.isfinite(share) and share >= 0):
                raise ValidationError(f"category_mix.{name}", f"must be a non-negative share, got {share}")
        if sum(self.category_mix.values()) <= 0:
            raise ValidationError("category_mix", "shares must add up to more than zero")

    def slot_weights(self) -> npt.NDArray[np.float64]:
        """The probability of each slot of the grid being a shopper's preferred one."""
        count = len(self.slots.slots)
        preference = self.slot_preference
        raw = list(preference[:count]) + [preference[-1]] * max(0, count - len(preference))
        values = np.array(raw, dtype=np.float64)
        normalised: npt.NDArray[np.float64] = values / values.sum()
        return normalised


def _addresses(region: Region, count: int, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    """(lon, lat) rows on residential streets, inside the region, weighted by street length."""
    graph = region.road_graph
    edges = graph.edges
    residential = np.isin(edges.fclass, RESIDENTIAL_CLASSES)
    pool = np.flatnonzero(residential) if residential.sum() >= 10 else np.arange(len(edges.u))
    weights = edges.length_dm[pool].astype(np.float64)
    found: list[npt.NDArray[np.float64]] = []
    missing = count
    while missing > 0:
        chosen = pool[rng.choice(len(pool), size=missing, p=weights / weights.sum())]
        t = rng.random(missing)[:, None]
        start, end = graph.lonlat[edges.u[chosen]], graph.lonlat[edges.v[chosen]]
        points = start + t * (end - start)
        metres_per_degree = np.array([111_320.0 * np.cos(np.radians(points[:, 1].mean())), 110_574.0])
        points = points + rng.normal(0.0, SETBACK_SD_M, (missing, 2)) / metres_per_degree
        points = points[~region.outside(points)]
        found.append(points)
        missing -= len(points)
    return np.concatenate(found)[:count] if found else np.zeros((0, 2))


def generate_returns(region: Region, spec: DemandSpec, *, seed: int) -> tuple[Return, ...]:
    """A day of `spec.returns` return requests in `region`, reproducible from `seed`."""
    rng = np.random.default_rng(seed)
    count = spec.returns
    names = [name for name, share in spec.category_mix.items() if share > 0]
    shares = np.array([spec.category_mix[name] for name in names], dtype=np.float64)
    category = rng.choice(len(names), size=count, p=shares / shares.sum())
    points = _addresses(region, count, rng)
    slots, slot_weights = spec.slots.slots, spec.slot_weights()
    requests = []
    for i in range(count):
        name = names[int(category[i])]
        profile = CATEGORY_PROFILES[name]
        weight = int(np.clip(rng.lognormal(math.log(profile.median_weight_g), profile.weight_sigma), 50, 60_000))
        volume = int(weight * profile.cm3_per_g * rng.uniform(0.7, 1.4))
        quality = bool(rng.random() < profile.quality_share)
        reason = str(rng.choice(QUALITY_REASONS if quality else OTHER_REASONS))
        pickup = profile.pickup_only or bool(rng.random() < spec.pickup_share)
        slot = slots[int(rng.choice(len(slots), p=slot_weights))] if pickup else None
        requests.append(
            Return(
                id=f"R{i + 1:06d}",
                location=Location(round(float(points[i, 1]), 6), round(float(points[i, 0]), 6)),
                category=name,
                weight_g=weight,
                volume_cm3=volume,
                reason=reason,
                method="pickup" if pickup else "drop_off",
                preferred_slot=slot,
            )
        )
    return tuple(requests)
