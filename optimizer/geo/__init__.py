"""Geography: regions, road networks and travel matrices (road network or haversine estimate)."""

from pathlib import Path

DEFAULT_REGIONS_DIR = Path(__file__).resolve().parents[2] / "data" / "regions"
"""The regions bundled with the project (`data/regions/`)."""
