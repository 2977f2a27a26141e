"""`backhaul` command line: `route` plans courier routes, `assign` sends returns to processing centers,
`serve` runs the HTTP service."""

from optimizer.cli import assign, route, serve
from optimizer.cli.app import app

__all__ = ["app", "assign", "route", "serve"]
