"""`python -m optimizer.cli` runs the `backhaul` command line."""

from optimizer.cli import app

app()
