"""Road-network travel: the graph, exact packed shortest paths, snapping, region checks and the cache."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import LineString

from optimizer.domain import Location
from optimizer.errors import InputFileError, ValidationError
from optimizer.geo.matrices import HaversineSource
from optimizer.geo.region import Region, load_region
from optimizer.geo.road_graph import SpeedProfile, build_road_graph
from optimizer.geo.road_matrix import RoadNetworkSource
from tests.paths import TINY_REGION


def _roads(rows: list[tuple[list[tuple[float, float]], str, str, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "fclass": [r[1] for r in rows],
            "oneway": [r[2] for r in rows],
            "maxspeed_kmh": [r[3] for r in rows],
        },
        geometry=[LineString(r[0]) for r in rows],
        crs="EPSG:4326",
    )


def test_one_way_streets_are_respected_and_the_component_is_strong() -> None:
    a, b, c = (114.30, 22.70), (114.31, 22.70), (114.31, 22.71)
    roads = _roads(
        [
            ([a, b], "residential", "F", float("nan")),  # a -> b only
            ([b, c], "residential", "B", float("nan")),
            ([c, a], "primary", "F", float("nan")),  # c -> a only: a cycle a -> b -> c -> a
            ([a, (114.29, 22.69)], "footway", "B", float("nan")),  # not driven
        ]
    )
    graph = build_road_graph(roads, utm_epsg=32650, speeds=SpeedProfile())
    assert graph.graph.number_of_nodes() == 3
    nodes = {tuple(np.round(xy, 7)): i for i, xy in enumerate(graph.lonlat)}
    ia, ib = nodes[a], nodes[b]
    forward_cs, forward_dm = graph.paths(np.array([ia]), np.array([ib]))
    _back_cs, back_dm = graph.paths(np.array([ib]), np.array([ia]))
    assert forward_dm[0, 0] < back_dm[0, 0]  # b -> a must go round by c
    assert back_dm[0, 0] == graph.graph[ib][nodes[c]]["length_dm"] + graph.graph[nodes[c]][ia]["length_dm"]
    # the residential street is driven at 20 km/h
    length_m = graph.graph[ia][ib]["length_dm"] / 10
    assert abs(forward_cs[0, 0] - length_m / (20 / 3.6) * 100) <= 1  # lengths are rounded to decimetres


def test_posted_speed_is_used_where_tagged() -> None:
    a, b = (114.30, 22.70), (114.32, 22.70)
    roads = _roads([([a, b], "residential", "B", 60.0)])
    graph = build_road_graph(roads, utm_epsg=32650, speeds=SpeedProfile(posted_share=0.5))
    edge = graph.graph[0][1]
    assert abs(edge["time_cs"] - edge["length_dm"] / 10 / (30 / 3.6) * 100) <= 1


def test_packed_paths_equal_networkx_dijkstra(tiny_region: Region) -> None:
    graph = tiny_region.road_graph
    rng = np.random.default_rng(4)
    sources = rng.choice(len(graph.lonlat), 8, replace=False)
    targets = rng.choice(len(graph.lonlat), 25, replace=False)
    time_cs, length_dm = graph.paths(sources, targets)
    for i, s in enumerate(sources):
        lengths = nx.single_source_dijkstra_path_length(graph.graph, int(s), weight="time_cs")
        for j, t in enumerate(targets):
            assert time_cs[i, j] == lengths[int(t)]
            path = nx.dijkstra_path(graph.graph, int(s), int(t), weight="time_cs")
            time_along = sum(graph.graph[u][v]["time_cs"] for u, v in itertools.pairwise(path))
            assert time_along == lengths[int(t)]
    # the distance is that of a fastest path: never shorter than the shortest path by length
    shortest = nx.single_source_dijkstra_path_length(graph.graph, int(sources[0]), weight="length_dm")
    assert all(length_dm[0, j] >= shortest[int(t)] for j, t in enumerate(targets))


def test_road_matrix_is_longer_than_the_straight_line_and_zero_on_the_diagonal(tiny_region: Region) -> None:
    sites = [d.location for d in tiny_region.sites.depots] + [p.location for p in tiny_region.sites.drop_off_points]
    road = RoadNetworkSource(tiny_region).matrix_for(sites)
    straight = HaversineSource(detour_factor=1.0).matrix_for(sites)
    assert (np.diag(road.distance_m) == 0).all()
    off = ~np.eye(len(sites), dtype=bool)
    assert (road.distance_m[off] >= straight.distance_m[off] - 1).all()
    assert (road.duration_s[off] > 0).all()


def test_points_outside_the_region_or_far_from_roads_are_rejected_by_index(shanghai: Region) -> None:
    inside = shanghai.sites.depots[0].location
    source = RoadNetworkSource(shanghai)
    with pytest.raises(ValidationError, match=r"points\[1\].*outside region shanghai-central"):
        source.matrix_for([inside, Location(22.7, 114.3)])
    # inside Huangpu, but kilometres from the mapped 2.4 km box
    with pytest.raises(ValidationError, match=r"points\[1\].* m from the nearest mapped road"):
        source.matrix_for([inside, Location(31.2050, 121.4950)])


def test_cache_returns_the_same_matrix_and_survives_a_damaged_file(tmp_path: Path, tiny_region: Region) -> None:
    points = [p.location for p in tiny_region.sites.drop_off_points]
    first = RoadNetworkSource(tiny_region, tmp_path).matrix_for(points)
    files = list(tmp_path.glob("*.npz"))
    assert len(files) == 1
    fresh = load_region(TINY_REGION)  # a new region object: its graph is not built yet
    again = RoadNetworkSource(fresh, tmp_path).matrix_for(points)
    assert "road_graph" not in fresh.__dict__, "a cache hit must not build the graph"
    assert np.array_equal(first.distance_m, again.distance_m)
    assert np.array_equal(first.duration_s, again.duration_s)
    files[0].write_bytes(b"not a matrix")
    recomputed = RoadNetworkSource(fresh, tmp_path).matrix_for(points)
    assert np.array_equal(first.distance_m, recomputed.distance_m)
    other = RoadNetworkSource(fresh, tmp_path).matrix_for(points[:3])
    assert other.size == 3
    assert len(list(tmp_path.glob("*.npz"))) == 2


def test_pingshan_network_is_large_and_strongly_connected() -> None:
    region = load_region("shenzhen-pingshan")
    graph = region.road_graph
    assert graph.graph.number_of_nodes() > 10_000
    assert nx.is_strongly_connected(graph.graph)
    assert len(region.sites.centers) >= 6
    outside = [c for c in region.sites.centers if region.outside(np.array([[c.location.lon, c.location.lat]]))[0]]
    assert outside, "some centers lie in neighbouring districts"
    haul = RoadNetworkSource(region).line_haul_m([region.sites.depots[0].location], [c.location for c in outside])
    assert (haul > 0).all()


def _copy_region(tmp_path: Path) -> Path:
    target = tmp_path / "tiny"
    shutil.copytree(TINY_REGION, target)
    return target


def test_bad_region_files_name_the_file_and_field(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"unknown region 'atlantis'.*bundled: "):
        load_region("atlantis")
    folder = _copy_region(tmp_path)
    sites = json.loads((folder / "sites.geojson").read_text())
    center = next(f for f in sites["features"] if f["properties"]["kind"] == "processing_center")
    center["properties"]["capacity_per_day"] = -5
    (folder / "sites.geojson").write_text(json.dumps(sites, indent=1))
    with pytest.raises(InputFileError, match=r"sites\.geojson:\d+: features\[\d+\]\.properties\.capacity_per_day"):
        load_region(folder)
    center["properties"]["capacity_per_day"] = 5
    center["properties"]["categories"] = {}
    (folder / "sites.geojson").write_text(json.dumps(sites, indent=1))
    with pytest.raises(InputFileError, match=r"properties\.categories: a processing center must be able"):
        load_region(folder)
    manifest = folder / "region.toml"
    manifest.write_text(manifest.read_text().replace("max_snap_m = 300", "max_snap_m = 300\nmax_snap = 3"))
    with pytest.raises(InputFileError, match=r"region\.toml:\d+: max_snap: unknown key"):
        load_region(folder)
    manifest.write_text(
        manifest.read_text().replace("max_snap = 3\n", "").replace("utm_epsg = 32651", 'utm_epsg = "x"')
    )
    with pytest.raises(InputFileError, match=r"region\.toml:4: utm_epsg: must be an integer"):
        load_region(folder)


def test_unreadable_road_file_is_a_clear_error(tmp_path: Path) -> None:
    folder = _copy_region(tmp_path)
    (folder / "drive_osm.osm").write_text("<osm><broken")
    region = load_region(folder)
    with pytest.raises(InputFileError, match=r"drive_osm\.osm: cannot read road lines"):
        _ = region.road_graph


def test_matrix_cache_size_is_bounded_and_keeps_the_recently_used(tmp_path: Path, tiny_region: Region) -> None:
    points = [p.location for p in tiny_region.sites.drop_off_points]
    source = RoadNetworkSource(tiny_region, tmp_path)
    source.matrix_for(points)
    one_file = next(tmp_path.glob("*.npz")).stat().st_size
    bounded = RoadNetworkSource(tiny_region, tmp_path, cache_max_bytes=2 * one_file)
    for k in range(2, len(points)):  # many different point sets, each its own file
        bounded.matrix_for(points[:k])
        bounded.matrix_for(points)  # used again each time: the least recently used go first
    sizes = [f.stat().st_size for f in tmp_path.glob("*.npz")]
    assert sum(sizes) <= 2 * one_file
    assert len(sizes) >= 1
    assert bounded._cache_path(np.array([(p.lon, p.lat) for p in points])).is_file()  # type: ignore[union-attr]
