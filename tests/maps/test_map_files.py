from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from backhaul.cli import app
from optimizer.geo.region import load_region
from optimizer.geo.route_shapes import loops_geojson
from optimizer.maps.document import COORDINATE_SCALE, map_document, plan_layer, road_layer
from optimizer.maps.page import map_html
from optimizer.scenario.simulation import ScenarioResult
from tests.paths import SAMPLE_PROBLEM, TINY_REGION
from tests.route_geometry import off_network

REMOTE = re.compile(r"(src|href|url)\W{1,3}(https?:)?//", re.IGNORECASE)


def _embedded(page: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', page, re.DOTALL)
    assert match is not None
    document: dict[str, Any] = json.loads(match.group(1))
    return document


def test_the_road_layer_holds_every_road_once_within_a_metre() -> None:
    graph = load_region(TINY_REGION).road_graph
    layer = road_layer(graph)
    nodes = np.array(layer["nodes"]).reshape(-1, 2) / COORDINATE_SCALE + np.array(layer["origin"])
    assert np.abs(nodes - graph.lonlat).max() <= 0.5001 / COORDINATE_SCALE  # half a step: under a metre
    pairs = np.array(layer["major"] + layer["minor"]).reshape(-1, 2)
    drawn = {tuple(p) for p in pairs.tolist()}
    assert len(drawn) == len(pairs)  # no segment twice
    assert drawn == {
        (min(u, v), max(u, v)) for u, v in zip(graph.edges.u.tolist(), graph.edges.v.tolist(), strict=True)
    }


def test_a_page_carries_its_data_safely_and_loads_nothing_from_elsewhere() -> None:
    region = load_region(TINY_REGION)
    loop = [(s.location.lon, s.location.lat) for s in region.sites.depots[:1]]
    title = "</script><script>alert(1)</script>"
    document = map_document(region, [plan_layer("plan", loops_geojson(region.road_graph, [loop]))], title=title)
    page = map_html(document)
    assert REMOTE.search(page) is None
    assert _embedded(page)["title"] == title  # read back whole: the title cannot close the data's script
    assert "</script><script>alert" not in page


def test_scenario_routes_are_drawn_along_the_roads_back_to_their_depot(
    scenario_report: tuple[Path, ScenarioResult],
) -> None:
    page, result = scenario_report
    document = _embedded(page.read_text())
    plans = {plan["name"]: plan for plan in document["plans"]}
    graph = result.region.road_graph
    for design in (result.optimised, result.baseline):
        routes = plans[design.name]["routes"]
        assert off_network(routes, graph) == []
        legs = [f for f in routes["features"] if f["geometry"]["type"] == "LineString"]
        assert len(legs) == sum(len(route) for route in design.routes)  # every stop, and the way home
        assert sum(f["returns"] for f in plans[design.name]["flows"]) == sum(n for *_, n in design.flows)
    assert [c["used"] for c in document["centers"]] == [c.used for c in result.optimised.kpis.centers]
    assert REMOTE.search(page.read_text()) is None


def test_route_map_writes_a_page_of_the_solutions_couriers(route_map: tuple[Path, list[str]]) -> None:
    page, couriers = route_map
    document = _embedded(page.read_text())
    (plan,) = document["plans"]
    assert sorted({f["properties"]["courier_id"] for f in plan["routes"]["features"]}) == sorted(couriers)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--map", "{tmp}/m.html"], "--map draws legs along the road network: give --region too"),
        (["--region", "shenzhen-pingshan", "--map", "{tmp}/file/m.html"], "--map"),
    ],
)
def test_route_map_refuses_without_a_region_or_a_writable_place(
    tmp_path: Path, arguments: list[str], message: str
) -> None:
    (tmp_path / "file").write_text("a file, not a folder")
    filled = [a.format(tmp=tmp_path) for a in arguments]
    result = CliRunner().invoke(app, ["route", str(SAMPLE_PROBLEM), "--time-limit", "1", *filled])
    assert result.exit_code == 2
    assert message in result.output
    assert not list(tmp_path.glob("**/*.html"))
