"""The nearest depot and drop-off points of an address, asked nearest-first, equal asking about every site."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.demand import DemandSpec, generate_returns
from optimizer.fleet import FleetSpec
from optimizer.geo.region import Region, load_region
from optimizer.geo.road_matrix import RoadNetworkSource, Targets
from optimizer.quoting import ReturnsDesk


@pytest.mark.parametrize("name", ["shanghai-central", "shenzhen-pingshan"])
@pytest.mark.parametrize("count", [1, 3, 40])
def test_nearby_equals_asking_every_site(name: str, count: int) -> None:
    region: Region = load_region(name)
    source = RoadNetworkSource(region)
    desk = ReturnsDesk(region, source, FleetSpec(1))
    sites = region.sites
    depots, points = len(sites.depots), sites.drop_off_points
    every = Targets.of(*source.locate([d.location for d in sites.depots] + [p.location for p in points]))
    for request in generate_returns(region, DemandSpec(60), seed=4):
        point = desk.located(request.address)
        (seconds, _), (_, metres) = source.legs(point, every)
        order = np.argsort(metres[depots:], kind="stable")[:count]
        expected = [(points[int(i)], int(metres[depots + i])) for i in order]
        assert desk.nearby(point, count) == (int(np.argmin(seconds[:depots])), expected)
