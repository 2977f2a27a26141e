"""A generated city-sized region (no OSM extract of a whole city is bundled): road classes, one-way streets, districts.

Nothing here is real data; the region's title and README say so. The layout follows a large
Chinese city's structure in outline:

- **districts**: a `districts x districts` grid of districts over a jittered block grid (95 m),
  with parks and water (junctions removed) that break the minor streets;
- **road classes**: residential streets every block, tertiary every 4th line, secondary every 8th,
  primary on district edges, a trunk cross through the centre and a motorway ring;
- **superblocks**: a minor street meets an arterial only at a `gates` share of their crossings
  (elsewhere it stops short, as at a gated compound's wall), so traffic between superblocks uses
  the arterials, as in Chinese cities; `--gates 1` gives a uniform grid (every crossing a junction);
- **one-way streets**: a share of residential and tertiary lines, alternating direction.

Lines are written whole (one LineString per street run, vertices at every crossing), so the file
stays small and the road loader finds the junctions where lines share a vertex.

    python benchmarks/city_region.py OUT_DIR --nodes 300000
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

CENTRE = (121.47, 31.23)
"""Where the generated city is drawn (near Shanghai, for a plausible UTM zone: 51N)."""
SPACING_M = 95.0
ONE_WAY_SHARE = 0.3


def _classes(k: int, count: int, district: int) -> str:
    """The road class of grid line `k` of `count`, districts `district` lines wide."""
    if k in {count // 2, count // 2 + 1}:
        return "trunk"
    if k % district == 0:
        return "primary"
    if k % 8 == 0:
        return "secondary"
    if k % 4 == 0:
        return "tertiary"
    return "residential"


def generate_city(out: Path, nodes: int = 300_000, districts: int = 5, seed: int = 1, gates: float = 0.15) -> Path:
    """Write the region folder (manifest, roads, sites, boundary, README) and return it."""
    rng = np.random.default_rng(seed)
    side = math.ceil(math.sqrt(nodes * 1.08))  # a few per cent of the junctions fall in parks and water
    district = max(8, side // districts)
    metres_per_degree_lat = 111_320.0
    metres_per_degree_lon = metres_per_degree_lat * math.cos(math.radians(CENTRE[1]))
    offsets = (np.arange(side) - side / 2) * SPACING_M
    jitter = rng.normal(0, SPACING_M * 0.08, size=(side, side, 2))
    lon = CENTRE[0] + (offsets[None, :] + jitter[..., 0]) / metres_per_degree_lon
    lat = CENTRE[1] + (offsets[:, None] + jitter[..., 1]) / metres_per_degree_lat
    blocked = np.zeros((side, side), dtype=bool)
    for _ in range(side * side // 400):  # parks and water: rectangles of junctions removed
        r, c = rng.integers(side, size=2)
        h, w = rng.integers(1, 5, size=2)
        blocked[r : r + h, c : c + w] = True
    arterial = {j for j in range(side) if _classes(j, side, district) in {"trunk", "primary", "secondary"}}
    features = []
    for axis in (0, 1):
        for k in range(side):
            fclass = _classes(k, side, district)
            if fclass in {"trunk", "primary", "secondary"} or k % district == 0:
                open_ = np.ones(side, dtype=bool)  # arterials bridge parks
            else:
                open_ = ~(blocked[k, :] if axis == 0 else blocked[:, k])
            oneway = "B"
            if fclass in {"residential", "tertiary"} and rng.random() < ONE_WAY_SHARE:
                oneway = "F" if k % 2 else "T"
            minor = fclass in {"residential", "tertiary"}
            run: list[list[float]] = []
            for j in range(side + 1):
                walled = minor and j < side and j in arterial and rng.random() >= gates
                if j < side and open_[j] and not walled:
                    r, c = (k, j) if axis == 0 else (j, k)
                    run.append([round(float(lon[r, c]), 7), round(float(lat[r, c]), 7)])
                    continue
                if len(run) >= 2:
                    features.append(_line(run, fclass, oneway))
                run = []
    ring = _ring(lon, lat, side, district)
    features.extend(_line(ring[i : i + 2], "motorway", "B") for i in range(len(ring) - 1))
    out.mkdir(parents=True, exist_ok=True)
    _write(out / "roads.geojson", features)
    _write_sites(out / "sites.geojson", lon, lat, blocked, rng)
    corners = [[lon[0, 0], lat[0, 0]], [lon[0, -1], lat[0, -1]], [lon[-1, -1], lat[-1, -1]], [lon[-1, 0], lat[-1, 0]]]
    pad = [[x + (0.01 if x > CENTRE[0] else -0.01), y + (0.01 if y > CENTRE[1] else -0.01)] for x, y in corners]
    boundary = {"type": "Polygon", "coordinates": [[*pad, pad[0]]]}
    _write(out / "districts.geojson", [{"type": "Feature", "geometry": boundary, "properties": {"name_en": "City"}}])
    (out / "region.toml").write_text(
        'name = "generated-city"\n'
        f'title = "Generated city ({side}x{side} junctions, {districts}x{districts} districts; not real data)"\n'
        'utm_epsg = 32651\nroads = "roads.geojson"\nsites = "sites.geojson"\nmax_snap_m = 400\n\n'
        '[boundary]\nfile = "districts.geojson"\nnames = ["City"]\n',
        encoding="utf-8",
    )
    (out / "README.md").write_text(
        "# Generated city (not real data)\n\nWritten by `benchmarks/city_region.py` "
        f"(seed {seed}, {nodes:,} junctions asked for, gates {gates:g}): a grid city for measuring how costs "
        "grow with the map.\n",
        encoding="utf-8",
    )
    return out


def _line(coordinates: list[list[float]], fclass: str, oneway: str) -> dict[str, object]:
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": coordinates},
        "properties": {"fclass": fclass, "oneway": oneway, "maxspeed": 0},
    }


def _ring(lon: np.ndarray, lat: np.ndarray, side: int, district: int) -> list[list[float]]:
    """A motorway ring through the junctions one district in from the edge (joined where it crosses)."""
    a, b = district, side - 1 - district
    path = (
        [(a, c) for c in range(a, b)]
        + [(r, b) for r in range(a, b)]
        + [(b, c) for c in range(b, a, -1)]
        + [(r, a) for r in range(b, a - 1, -1)]
    )
    return [[round(float(lon[r, c]), 7), round(float(lat[r, c]), 7)] for r, c in path[:: district // 2]] + [
        [round(float(lon[a, a]), 7), round(float(lat[a, a]), 7)]
    ]


def _write_sites(path: Path, lon: np.ndarray, lat: np.ndarray, blocked: np.ndarray, rng: np.random.Generator) -> None:
    """Depots, drop-off points and processing centers on open junctions."""
    side = lon.shape[0]
    open_cells = np.argwhere(~blocked)

    def spot() -> list[float]:
        r, c = open_cells[int(rng.integers(len(open_cells)))]
        return [round(float(lon[r, c]), 7), round(float(lat[r, c]), 7)]

    features = []
    for i in range(8):
        features.append(_point(spot(), {"id": f"D{i + 1}", "kind": "depot", "name": f"Depot {i + 1}"}))
    for i in range(60):
        features.append(_point(spot(), {"id": f"P{i + 1:02d}", "kind": "drop_off", "type": "locker"}))
    categories = {
        "apparel": {"cost_cents": 230, "recovery_cents": 60},
        "shoes": {"cost_cents": 300, "recovery_cents": 170},
        "home": {"cost_cents": 370, "recovery_cents": 150},
        "electronics": {"cost_cents": 520, "recovery_cents": 900},
    }
    for i in range(4):
        r, c = (side // 4, side // 4) if i == 0 else open_cells[int(rng.integers(len(open_cells)))]
        where = [round(float(lon[r, c]), 7), round(float(lat[r, c]), 7)]
        props = {"id": f"C{i + 1}", "kind": "processing_center", "capacity_per_day": 2000, "categories": categories}
        features.append(_point(where, props))
    _write(path, features)


def _point(coordinates: list[float], properties: dict[str, object]) -> dict[str, object]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": coordinates}, "properties": properties}


def _write(path: Path, features: list[dict[str, object]]) -> None:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")


def main() -> None:
    """Parse the command line and write the region."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--nodes", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--gates", type=float, default=0.15, help="share of minor-arterial crossings joined")
    args = parser.parse_args()
    if not 100 <= args.nodes <= 10_000_000:
        parser.error(f"--nodes: must be within [100, 10,000,000], got {args.nodes}")
    if not 0.0 <= args.gates <= 1.0:
        parser.error(f"--gates: a share within [0, 1], got {args.gates}")
    print(generate_city(args.out, args.nodes, seed=args.seed, gates=args.gates))


if __name__ == "__main__":
    main()
