"""`backhaul` command line: `route` plans courier routes, `assign` sends returns to processing centers."""

from optimizer.cli import assign, route
from optimizer.cli.app import app

__all__ = ["app", "assign", "route"]
