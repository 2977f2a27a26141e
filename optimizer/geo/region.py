"""A region: its road network, boundary, sites and line-haul tariff, loaded from `data/regions/<name>/`.

A region folder holds `region.toml` (the manifest: files, UTM zone, snapping limit, tariff), road
lines (see `optimizer.geo.roads`), a boundary polygon file and `sites.geojson` (courier depots,
drop-off points and processing centers). The road graph is built on first use, so a cached matrix
reload never pays for it.
"""

from __future__ import annotations

import hashlib
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
from optimizer.io.strict import (
    JsonNode,
    TomlTable,
    as_bool,
    as_int,
    as_name,
    as_names,
    as_number,
    as_str,
    number_in,
    read_json_file,
    read_toml_file,
)

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
        """The drive graph, built from the road file on first use."""
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


@dataclass(frozen=True)
class _Manifest:
    """What `region.toml` says (paths relative to the region folder)."""

    name: str
    title: str
    utm_epsg: int
    roads: str
    sites: str
    max_snap_m: float
    boundary_file: str
    boundary_names: tuple[str, ...]
    line_haul: LineHaulTariff


def _manifest(table: TomlTable) -> _Manifest:
    """Read the manifest strictly: unknown keys and bad values name their line."""
    boundary = table.child("boundary")
    tariff_table = table.table("line_haul")
    default = LineHaulTariff()
    tariff = LineHaulTariff(
        per_parcel_cents=tariff_table.get("per_parcel_cents", as_int, default.per_parcel_cents),
        millicents_per_kg_km=tariff_table.get("millicents_per_kg_km", as_int, default.millicents_per_kg_km),
        off_network_detour=tariff_table.get("off_network_detour", as_number, default.off_network_detour),
    )
    fields = _Manifest(
        name=table.get("name", as_name),
        title=table.get("title", as_str, ""),
        utm_epsg=table.get("utm_epsg", as_int),
        roads=table.get("roads", as_name),
        sites=table.get("sites", as_name),
        max_snap_m=table.get("max_snap_m", number_in(1e-3, 1e6), 500.0),
        boundary_file=boundary.get("file", as_name),
        boundary_names=boundary.get("names", as_names),
        line_haul=tariff,
    )
    for part in (tariff_table, boundary, table):
        part.done()
    return fields


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
    fields = read_toml_file(manifest, _manifest)
    roads_path, sites_path = root / fields.roads, root / fields.sites
    if not roads_path.is_file():
        raise InputFileError(f"{manifest}: roads: no file {roads_path}")
    speeds = speeds or SpeedProfile()
    sites = read_json_file(sites_path, sites_from_geojson, max_bytes=MAX_SITES_BYTES)
    fingerprint = _digest(roads_path.read_bytes(), speeds.fingerprint().encode(), str(fields.utm_epsg).encode())
    return Region(
        name=fields.name,
        title=fields.title,
        root=root,
        utm_epsg=fields.utm_epsg,
        roads_path=roads_path,
        boundary=read_boundary(root / fields.boundary_file, list(fields.boundary_names)),
        max_snap_m=fields.max_snap_m,
        sites=sites,
        line_haul=fields.line_haul,
        speeds=speeds,
        fingerprint=fingerprint,
    )
