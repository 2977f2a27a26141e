"""Geography: regions, road networks and travel matrices (road network or haversine estimate)."""

import os
from importlib.resources import files
from pathlib import Path

DEFAULT_REGIONS_DIR = Path(str(files("optimizer") / "regions"))
"""The regions bundled with the package (`optimizer/regions/`; `data/regions/` in a checkout links to it)."""
DEFAULT_CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "backhaul" / "matrices"
"""Where road-network matrices are cached unless told otherwise."""
