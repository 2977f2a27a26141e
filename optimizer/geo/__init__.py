"""Geography: regions, road networks and travel matrices (road network or haversine estimate)."""

import os
from pathlib import Path

DEFAULT_REGIONS_DIR = Path(__file__).resolve().parents[2] / "data" / "regions"
"""The regions bundled with the project (`data/regions/`)."""
DEFAULT_CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "backhaul" / "matrices"
"""Where road-network matrices are cached unless told otherwise."""
