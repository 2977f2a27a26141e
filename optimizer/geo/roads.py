"""Read road lines into one normalised table, whatever the source format.

Two sources are understood: line files in the Geofabrik "roads" schema (columns `fclass`, `oneway`
B/F/T, `maxspeed` km/h with 0 for unknown: GeoJSON, GeoPackage, Shapefile) and OpenStreetMap XML
(`.osm`, read through GDAL's OSM driver: `highway` and the `oneway`/`maxspeed` tags). Both become
columns `fclass`, `oneway` (B both ways, F along the drawing, T against it), `maxspeed_kmh` (NaN when
unknown) and LineString geometry in WGS84.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from optimizer.errors import InputFileError

_FORWARD = {"yes", "true", "1"}
_BACKWARD = {"-1", "reverse"}
_ALWAYS_ONE_WAY = {"motorway", "motorway_link"}
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph)?")
_TAG = r'"{key}"=>"([^"]*)"'


def _speed_kmh(text: object) -> float:
    """Posted speed in km/h from an OSM `maxspeed` value ("50", "30 mph"); NaN when not a number."""
    match = _NUMBER.match(str(text)) if text is not None else None
    if not match:
        return float("nan")
    value = float(match.group(1)) * (1.609344 if match.group(2) else 1.0)
    return value if value > 0 else float("nan")


def _from_geofabrik(frame: gpd.GeoDataFrame, path: Path) -> pd.DataFrame:
    missing = [column for column in ("fclass", "oneway", "maxspeed") if column not in frame.columns]
    if missing:
        raise InputFileError(f"{path}: road lines need the column(s) {', '.join(missing)} (Geofabrik roads schema)")
    oneway = frame["oneway"].fillna("B").astype(str).str.upper()
    bad = sorted(set(oneway) - {"B", "F", "T"})
    if bad:
        raise InputFileError(f"{path}: column oneway: must be B, F or T, got {bad[0]!r}")
    return pd.DataFrame(
        {
            "fclass": frame["fclass"].astype(str),
            "oneway": oneway,
            "maxspeed_kmh": [_speed_kmh(value) for value in frame["maxspeed"]],
        }
    )


def _from_osm(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    tags = frame["other_tags"].fillna("").astype(str)
    highway = frame["highway"].astype(str)
    oneway_tag = tags.str.extract(_TAG.format(key="oneway"))[0].fillna("").str.lower()
    roundabout = tags.str.contains('"junction"=>"roundabout"', regex=False)
    oneway = np.where(
        oneway_tag.isin(_BACKWARD),
        "T",
        np.where(
            oneway_tag.isin(_FORWARD) | ((oneway_tag == "") & (highway.isin(_ALWAYS_ONE_WAY) | roundabout)), "F", "B"
        ),
    )
    maxspeed = tags.str.extract(_TAG.format(key="maxspeed"))[0]
    return pd.DataFrame(
        {"fclass": highway, "oneway": oneway, "maxspeed_kmh": [_speed_kmh(value) for value in maxspeed]}
    )


def read_roads(path: Path) -> gpd.GeoDataFrame:
    """Road lines from `path` as columns fclass, oneway, maxspeed_kmh and LineString geometry (EPSG:4326)."""
    try:
        if path.suffix.lower() == ".osm":
            frame = gpd.read_file(path, layer="lines", engine="pyogrio")
            frame = frame[frame["highway"].notna()]
        else:
            frame = gpd.read_file(path, engine="pyogrio")
    except (OSError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as error:
        raise InputFileError(f"{path}: cannot read road lines: {error}") from None
    if frame.crs is None or frame.crs.to_epsg() != 4326:
        raise InputFileError(f"{path}: road lines must be in WGS84 (EPSG:4326), got {frame.crs}")
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty].reset_index(drop=True)
    if frame.empty:
        raise InputFileError(f"{path}: no road lines")
    kinds = set(frame.geometry.geom_type)
    if not kinds <= {"LineString", "MultiLineString"}:
        raise InputFileError(f"{path}: road geometries must be lines, got {sorted(kinds - {'LineString'})[0]}")
    attributes = _from_osm(frame) if path.suffix.lower() == ".osm" else _from_geofabrik(frame, path)
    table = gpd.GeoDataFrame(attributes, geometry=frame.geometry.values, crs="EPSG:4326")
    return table.explode(index_parts=False).reset_index(drop=True)
