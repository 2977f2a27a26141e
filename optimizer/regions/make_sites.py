"""Place a region's synthetic sites on its road network and write `sites.geojson`.

No openly licensed set of depots, parcel lockers or processing centers exists for these regions
(see each region's README), so the sites are generated, reproducibly, and labelled synthetic:

- courier depots: k-means centres (scipy `kmeans2`, seeded) of residential road nodes, each moved to
  the nearest node of a tertiary or larger road, so vans start where a shift's demand is;
- drop-off points: residential road nodes drawn at random (seeded) with a minimum spacing, two
  thirds parcel lockers and one third partner stores;
- processing centers: some on major-road nodes inside the region, some at random points inside
  neighbouring districts (a center serves more than one district), each with a daily capacity and
  per-category terms drawn from documented ranges.

Run: ``python data/regions/make_sites.py shenzhen-pingshan`` (the region's settings are below).
"""

from __future__ import annotations

import argparse
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from scipy.cluster.vq import kmeans2

from optimizer.geo import DEFAULT_REGIONS_DIR
from optimizer.geo.region import read_boundary
from optimizer.geo.road_graph import RoadGraph, SpeedProfile, build_road_graph
from optimizer.geo.roads import read_roads

CATEGORY_TERMS = {
    # category: (processing cost cents, recovery cents range above plain liquidation)
    "apparel": (250, (0, 200)),
    "shoes": (300, (0, 250)),
    "electronics": (1500, (200, 1200)),
    "home": (450, (0, 300)),
    "bulky": (2500, (0, 800)),
}
ALWAYS = ("apparel", "shoes", "home")
RESIDENTIAL = ("residential", "living_street")
ACCESSIBLE = ("tertiary", "secondary", "primary", "trunk")


@dataclass(frozen=True)
class SitePlan:
    """How many of each site to place, and where the outside centers go."""

    seed: int
    depots: int
    drop_offs: int
    drop_off_spacing_m: float
    centers_inside: int
    centers_outside: tuple[str, ...]
    """Neighbouring district names (`name_en`), one center each."""
    outside_radius_km: float
    capacity_range: tuple[int, int]
    specialised_capacity_range: tuple[int, int]


PLANS = {
    "shenzhen-pingshan": SitePlan(
        seed=20261126,
        depots=4,
        drop_offs=36,
        drop_off_spacing_m=700.0,
        centers_inside=3,
        centers_outside=("Longgang", "Longgang", "Yantian", "Luohu", "Longhua"),
        outside_radius_km=30.0,
        capacity_range=(300, 900),
        specialised_capacity_range=(60, 250),
    ),
    "shanghai-central": SitePlan(
        seed=20261126,
        depots=2,
        drop_offs=10,
        drop_off_spacing_m=250.0,
        centers_inside=1,
        centers_outside=("Xuhui", "Putuo"),
        outside_radius_km=12.0,
        capacity_range=(60, 150),
        specialised_capacity_range=(15, 40),
    ),
}


def _nodes_on(graph: RoadGraph, classes: tuple[str, ...]) -> np.ndarray[Any, np.dtype[np.int64]]:
    chosen = np.isin(graph.edges.fclass, classes)
    return np.unique(np.concatenate([graph.edges.u[chosen], graph.edges.v[chosen]]))


def _spaced(
    graph: RoadGraph, candidates: np.ndarray[Any, Any], count: int, spacing_m: float, rng: np.random.Generator
) -> list[int]:
    chosen: list[int] = []
    for node in rng.permutation(candidates):
        if all(np.hypot(*(graph.xy[node] - graph.xy[other])) >= spacing_m for other in chosen):
            chosen.append(int(node))
            if len(chosen) == count:
                break
    return chosen


def _feature(lon: float, lat: float, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
        "properties": {**properties, "synthetic": True},
    }


def _center_terms(rng: np.random.Generator, plan: SitePlan) -> dict[str, Any]:
    offered = list(ALWAYS) + [c for c in ("electronics", "bulky") if rng.random() < 0.55]
    categories: dict[str, Any] = {}
    for name in offered:
        cost, (low, high) = CATEGORY_TERMS[name]
        terms: dict[str, Any] = {
            "cost_cents": int(round(cost * rng.uniform(0.8, 1.25), -1)),
            "recovery_cents": int(round(rng.uniform(low, high), -1)),
        }
        if name not in ALWAYS:
            terms["capacity_per_day"] = int(rng.integers(*plan.specialised_capacity_range))
        categories[name] = terms
    return {"capacity_per_day": int(round(rng.integers(*plan.capacity_range), -1)), "categories": categories}


def make_sites(region_dir: Path, plan: SitePlan) -> dict[str, Any]:
    """The sites FeatureCollection for the region in `region_dir`."""
    manifest = tomllib.loads((region_dir / "region.toml").read_text(encoding="utf-8"))
    graph = build_road_graph(
        read_roads(region_dir / manifest["roads"]), utm_epsg=manifest["utm_epsg"], speeds=SpeedProfile()
    )
    boundary_file = region_dir / manifest["boundary"]["file"]
    boundary = read_boundary(boundary_file, manifest["boundary"]["names"])
    rng = np.random.default_rng(plan.seed)
    features = []

    residential = _nodes_on(graph, RESIDENTIAL)
    accessible = _nodes_on(graph, ACCESSIBLE)
    centres, _ = kmeans2(graph.xy[residential], plan.depots, seed=rng, minit="++")
    for i, centre in enumerate(centres, start=1):
        node = accessible[np.argmin(np.hypot(*(graph.xy[accessible] - centre).T))]
        lon, lat = graph.lonlat[node]
        features.append(_feature(lon, lat, {"id": f"D{i}", "kind": "depot", "name": f"Courier depot {i}"}))

    for i, node in enumerate(_spaced(graph, residential, plan.drop_offs, plan.drop_off_spacing_m, rng), start=1):
        kind = "locker" if i % 3 else "partner_store"
        lon, lat = graph.lonlat[node]
        label = "Parcel locker" if kind == "locker" else "Partner store"
        features.append(
            _feature(lon, lat, {"id": f"P{i:02d}", "kind": "drop_off", "type": kind, "name": f"{label} {i}"})
        )

    major = np.flatnonzero(graph.major)
    inside = _spaced(graph, major, plan.centers_inside, 3000.0 if plan.centers_inside > 1 else 0.0, rng)
    for i, node in enumerate(inside, start=1):
        lon, lat = graph.lonlat[node]
        props = {"id": f"C{i}", "kind": "processing_center", "name": f"Processing center {i} (in region)"}
        features.append(_feature(lon, lat, props | _center_terms(rng, plan)))

    districts = {name: read_boundary(boundary_file, [name]) for name in set(plan.centers_outside)}
    middle = shapely.centroid(boundary)
    for i, name in enumerate(plan.centers_outside, start=len(inside) + 1):
        polygon = districts[name]
        while True:  # rejection sampling inside the district and near the region
            lon0, lat0, lon1, lat1 = polygon.bounds
            lon, lat = rng.uniform(lon0, lon1), rng.uniform(lat0, lat1)
            near = np.hypot((lon - middle.x) * 102.0, (lat - middle.y) * 111.0) <= plan.outside_radius_km
            if near and shapely.contains_xy(polygon, lon, lat) and not shapely.contains_xy(boundary, lon, lat):
                break
        props = {
            "id": f"C{i}",
            "kind": "processing_center",
            "name": f"Processing center {i} ({name})",
            "district": name,
        }
        features.append(_feature(lon, lat, props | _center_terms(rng, plan)))

    return {
        "type": "FeatureCollection",
        "name": f"SYNTHETIC sites for {manifest['name']}: made by data/regions/make_sites.py, seed {plan.seed}",
        "features": features,
    }


def main() -> None:
    """Write the sites of the region named on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("region", choices=sorted(PLANS))
    args = parser.parse_args()
    region_dir = DEFAULT_REGIONS_DIR / args.region
    sites = make_sites(region_dir, PLANS[args.region])
    (region_dir / "sites.geojson").write_text(json.dumps(sites, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(sites['features'])} sites to {region_dir / 'sites.geojson'}")


if __name__ == "__main__":
    main()
