"""`python -m backhaul` runs the `backhaul` command line."""

from backhaul.cli import app

app()
