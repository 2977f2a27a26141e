"""A region: its road network, boundary, sites and line-haul tariff, loaded from `data/regions/<name>/`.

A region folder holds `region.toml` (the manifest: files, UTM zone, snapping limit, tariff), road
lines (see `optimizer.geo.roads`), a boundary polygon file and `sites.geojson` (courier depots,
drop-off points and processing centers). The road graph is built on first use, so a cached matrix
reload never pays for it.
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pyogrio
import shapely
from shapely.geometry.base import BaseGeometry

from optimizer.domain import CenterCategory, Depot, DropOffPoint, LineHaulTariff, Location, ProcessingCenter
from optimizer.errors import InputFileError, ValidationError
from optimizer.geo import DEFAULT_REGIONS_DIR
from optimizer.geo.road_graph import RoadGraph, SpeedProfile, build_road_graph
from optimizer.geo.roads import read_roads
from optimizer.io.strict_json import JsonNode, as_bool, as_int, as_number, as_str, read_json_file

MAX_SITES_BYTES = 16 * 2**20
SITE_KINDS = ("depot", "drop_off", "processing_center")


@dataclass(frozen=True)
class Sites:
    """The places a region's plans use: courier depots, drop-off points and processing centers."""

    depots: tuple[Depot, ...]
    drop_off_points: tuple[DropOffPoint, ...]
    centers: tuple[ProcessingCenter, ...]


@dataclass(frozen=True, eq=False)
class Region:
    """A loaded region; `road_graph` is built from `roads_path` on first use."""

    name: str
    title: str
    root: Path
    utm_epsg: int
    roads_path: Path
    boundary: BaseGeometry
    max_snap_m: float
    sites: Sites
    line_haul: LineHaulTariff
    speeds: SpeedProfile
    fingerprint: str
    """Digest of the road file and speed settings: equal fingerprints give equal travel times."""

    @cached_property
    def road_graph(self) -> RoadGraph:
        return build_road_graph(read_roads(self.roads_path), utm_epsg=self.utm_epsg, speeds=self.speeds)

    def outside(self, lonlat: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
        """Which (lon, lat) rows lie outside the region's boundary."""
        inside: npt.NDArray[np.bool_] = shapely.contains_xy(self.boundary, lonlat[:, 0], lonlat[:, 1])
        return ~inside


def _location(node: JsonNode, path: str) -> Location:
    geometry = node.child("geometry")
    if geometry.get("type", as_str) != "Point":
        raise ValidationError(geometry.at("type"), "sites must be Point features")
    coordinates = geometry.items("coordinates")
    geometry.done()
    if len(coordinates) != 2:
        raise ValidationError(geometry.at("coordinates"), "must be [lon, lat]")
    lon, lat = (as_number(value, where) for value, where in coordinates)
    try:
        return Location(lat, lon)
    except ValidationError as error:
        raise error.within(f"{path}.geometry.coordinates") from None


def _center(props: JsonNode, location: Location) -> ProcessingCenter:
    categories: dict[str, CenterCategory] = {}
    terms = props.child("categories")
    for name in list(terms.value):
        entry = terms.child(name)
        try:
            categories[name] = CenterCategory(
                cost_cents=entry.get("cost_cents", as_int),
                recovery_cents=entry.get("recovery_cents", as_int, 0),
                capacity_per_day=entry.optional("capacity_per_day", as_int),
            )
        except ValidationError as error:
            raise error.within(entry.path) from None
        entry.done()
    capacity = props.get("capacity_per_day", as_int)
    try:
        return ProcessingCenter(props.get("id", as_str), location, capacity, categories)
    except ValidationError as error:
        raise error.within(props.path) from None


def sites_from_geojson(data: object) -> Sites:
    """Parse a sites FeatureCollection strictly; errors name the feature and property."""
    root = JsonNode(data, "")
    root.get("type", as_str)
    root.get("name", as_str, "")
    if "crs" in root.value:  # accepted as GIS tools write it; coordinates are WGS84 (RFC 7946)
        root.child("crs")
    found: dict[str, list[Any]] = {kind: [] for kind in SITE_KINDS}
    seen: set[str] = set()
    for item, path in root.items("features"):
        feature = JsonNode(item, path)
        feature.get("type", as_str)
        location = _location(feature, path)
        props = feature.child("properties")
        site_id, kind = props.get("id", as_str), props.get("kind", as_str)
        if site_id in seen:
            raise ValidationError(props.at("id"), f"site id {site_id!r} appears twice")
        seen.add(site_id)
        props.get("name", as_str, "")
        props.get("synthetic", as_bool, False)
        if kind == "depot":
            found[kind].append(Depot(site_id, location))
        elif kind == "drop_off":
            found[kind].append(DropOffPoint(site_id, location, props.get("type", as_str, "locker")))
        elif kind == "processing_center":
            props.get("district", as_str, "")
            found[kind].append(_center(props, location))
        else:
            raise ValidationError(props.at("kind"), f"must be one of {', '.join(SITE_KINDS)}, got {kind!r}")
        props.done()
        feature.done()
    root.done()
    if not found["processing_center"]:
        raise ValidationError("features", "a region needs at least one processing center")
    return Sites(tuple(found["depot"]), tuple(found["drop_off"]), tuple(found["processing_center"]))


def read_boundary(path: Path, names: list[str]) -> BaseGeometry:
    """The union of the polygons whose `name_en` is in `names`, prepared for fast point tests."""
    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except (OSError, pyogrio.errors.DataSourceError, ValueError) as error:
        raise InputFileError(f"{path}: cannot read the boundary: {error}") from None
    if "name_en" not in frame.columns:
        raise InputFileError(f"{path}: boundary polygons need a name_en column")
    if frame.crs is None or frame.crs.to_epsg() != 4326:
        raise InputFileError(f"{path}: boundary must be in WGS84 (EPSG:4326), got {frame.crs}")
    chosen = frame[frame["name_en"].isin(names)]
    missing = sorted(set(names) - set(chosen["name_en"]))
    if missing:
        raise InputFileError(f"{path}: no polygon named {missing[0]!r} (boundary.names)")
    geometry: BaseGeometry = shapely.union_all(chosen.geometry.values)
    shapely.prepare(geometry)
    return geometry


def _manifest_value(table: dict[str, Any], key: str, kind: type, manifest: Path, default: Any = None) -> Any:
    if key not in table:
        if default is None:
            raise InputFileError(f"{manifest}: {key}: is required")
        return default
    value = table.pop(key)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool) is not (kind is bool):
        raise InputFileError(f"{manifest}: {key}: must be {kind.__name__}, got {value!r}")
    return value


def _digest(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


def load_region(
    name: str | Path, *, regions_dir: Path = DEFAULT_REGIONS_DIR, speeds: SpeedProfile | None = None
) -> Region:
    """Load a region by name (a folder of `regions_dir`) or by folder path; errors name the file and key."""
    root = Path(name) if Path(name).is_dir() else regions_dir / str(name)
    manifest = root / "region.toml"
    if not manifest.is_file():
        known = sorted(p.parent.name for p in regions_dir.glob("*/region.toml")) if regions_dir.is_dir() else []
        raise InputFileError(f"unknown region {str(name)!r}: no {manifest} (bundled: {', '.join(known) or 'none'})")
    try:
        table = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InputFileError(f"{manifest}: {error}") from None
    title = _manifest_value(table, "title", str, manifest, "")
    region_name = _manifest_value(table, "name", str, manifest)
    utm_epsg = _manifest_value(table, "utm_epsg", int, manifest)
    roads_path = root / _manifest_value(table, "roads", str, manifest)
    sites_path = root / _manifest_value(table, "sites", str, manifest)
    max_snap_m = _manifest_value(table, "max_snap_m", float, manifest, 500.0)
    if not (math.isfinite(max_snap_m) and max_snap_m > 0):
        raise InputFileError(f"{manifest}: max_snap_m: must be positive, got {max_snap_m}")
    boundary_table = _manifest_value(table, "boundary", dict, manifest)
    boundary_path = root / _manifest_value(boundary_table, "file", str, manifest)
    names = _manifest_value(boundary_table, "names", list, manifest)
    tariff_table = _manifest_value(table, "line_haul", dict, manifest, {})
    unknown = sorted([*table, *(f"boundary.{key}" for key in boundary_table)])
    if unknown:
        raise InputFileError(f"{manifest}: {unknown[0]}: unknown key")
    try:
        tariff = LineHaulTariff(**tariff_table)
    except TypeError as error:
        raise InputFileError(f"{manifest}: line_haul: {error}") from None
    except ValidationError as error:
        raise InputFileError(f"{manifest}: line_haul.{error}") from None
    if not roads_path.is_file():
        raise InputFileError(f"{manifest}: roads: no file {roads_path}")
    speeds = speeds or SpeedProfile()
    sites = read_json_file(sites_path, sites_from_geojson, max_bytes=MAX_SITES_BYTES)
    fingerprint = _digest(roads_path.read_bytes(), speeds.fingerprint().encode(), str(utm_epsg).encode())
    return Region(
        name=region_name,
        title=title,
        root=root,
        utm_epsg=utm_epsg,
        roads_path=roads_path,
        boundary=read_boundary(boundary_path, [str(n) for n in names]),
        max_snap_m=max_snap_m,
        sites=sites,
        line_haul=tariff,
        speeds=speeds,
        fingerprint=fingerprint,
    )
