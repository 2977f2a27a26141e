"""The demand generator: reproducible, inside the region, on streets, and shaped like returns are."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from optimizer.demand import CATEGORY_PROFILES, DemandSpec, generate_returns
from optimizer.domain import SlotGrid
from optimizer.errors import ValidationError
from optimizer.geo.region import load_region
from optimizer.geo.road_matrix import RoadNetworkSource


def test_same_seed_same_returns_other_seed_other_returns() -> None:
    region = load_region("shanghai-central")
    first = generate_returns(region, DemandSpec(200), seed=7)
    assert first == generate_returns(region, DemandSpec(200), seed=7)
    assert first != generate_returns(region, DemandSpec(200), seed=8)


def test_returns_lie_on_streets_in_the_region_with_the_documented_shape() -> None:
    region = load_region("shenzhen-pingshan")
    spec = DemandSpec(1500, pickup_share=0.5)
    returns = generate_returns(region, spec, seed=3)
    lonlat = np.array([(r.address.lon, r.address.lat) for r in returns])
    assert not region.outside(lonlat).any()
    _, access = region.road_graph.snap(lonlat)
    assert np.median(access) < 40  # set back a few metres from a street (snapped to its nearest vertex)
    assert access.max() < region.max_snap_m
    RoadNetworkSource(region).matrix_for([r.address for r in returns[:50]])  # every point is routable
    shares = Counter(r.category for r in returns)
    for name, profile in CATEGORY_PROFILES.items():
        assert abs(shares[name] / len(returns) - profile.share) < 0.05, name
    assert all(r.method == "pickup" for r in returns if r.category == "bulky")
    assert all((r.preferred_slot is None) == (r.method == "drop_off") for r in returns)
    others = [r for r in returns if r.category != "bulky"]
    assert abs(sum(r.method == "pickup" for r in others) / len(others) - 0.5) < 0.05
    evening = spec.slots.slots[-1]
    assert sum(r.preferred_slot == evening for r in returns) > sum(
        r.preferred_slot == spec.slots.slots[0] for r in returns
    )
    bulky = np.median([r.weight_g for r in returns if r.category == "bulky"])
    apparel = np.median([r.weight_g for r in returns if r.category == "apparel"])
    assert bulky > 10 * apparel
    assert all(
        r.quality_problem == (r.reason in {"damaged", "defective", "not_as_described", "wrong_item"}) for r in returns
    )


def test_bad_specs_name_the_field() -> None:
    with pytest.raises(ValidationError, match=r"category_mix\.toys"):
        DemandSpec(10, category_mix={"toys": 1.0})
    with pytest.raises(ValidationError, match="pickup_share"):
        DemandSpec(10, pickup_share=1.5)
    with pytest.raises(ValidationError, match="length_s"):
        SlotGrid(length_s=60)
