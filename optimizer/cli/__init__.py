"""The planning half of the `backhaul` command line.

The planning half of the `backhaul` command line: `route` plans courier routes, `assign` sends returns
to processing centers, `scenario` simulates what-if days. `backhaul.cli` adds the service's commands.
"""

from optimizer.cli import assign, convert, route, rules, scenario, validate
from optimizer.cli.command import app

__all__ = ["app", "assign", "convert", "route", "rules", "scenario", "validate"]
