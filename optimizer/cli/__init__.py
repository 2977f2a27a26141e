"""`backhaul` command line: `route` plans courier routes, `assign` sends returns to processing centers,
`serve` runs the HTTP service, `scenario` simulates what-if days."""

from optimizer.cli import assign, route, scenario, serve
from optimizer.cli.app import app

__all__ = ["app", "assign", "route", "scenario", "serve"]
