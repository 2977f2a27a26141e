"""`backhaul`: the planning commands of `optimizer.cli` and the service commands of `api.cli` in one command."""

from __future__ import annotations

from api.cli import register as register_service
from optimizer.cli import app

register_service(app)

__all__ = ["app"]
