"""`backhaul serve`: the returns service (uvicorn) on the embedded defaults or the environment's settings.

The service half of the command line; `backhaul.cli` registers it beside the planning commands.
"""

from __future__ import annotations

import ipaddress
import os
import tempfile
from typing import Annotated

import typer

from optimizer.cli.command import error_console, fail


def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Worker processes.")] = 2,
    dev: Annotated[
        bool, typer.Option("--dev", help="Development mode: no API keys, one `dev` tenant; loopback hosts only.")
    ] = False,
) -> None:
    """Serve quotes, pickup slots, bookings, day plans and assignments over HTTP.

    Settings come from the environment (DATABASE_URL, BACKHAUL_API_KEYS, BACKHAUL_REGION, ...; see
    docs/api.md); without them: the bundled region and a SQLite file in the working directory. Without
    API keys it refuses to start, unless `--dev` on a loopback host.
    """
    # the web stack loads here, so `backhaul route` and `assign` start fast
    import uvicorn
    from pydantic import ValidationError as SettingsError
    from sqlalchemy.exc import SQLAlchemyError

    from api.config import Settings
    from api.logs import log_config
    from api.store import Store
    from optimizer.assignment.center_days import CenterCapacity
    from optimizer.errors import BackhaulError
    from optimizer.geo.region import load_region

    errors = error_console()
    if dev and not _is_loopback(host):
        fail(errors, f"--dev serves every caller as one tenant: refused on the non-loopback host {host}")
    try:
        settings = Settings.from_environment()
    except SettingsError as error:
        fail(errors, f"bad setting: {error.errors()[0]['loc'][0]}: {error.errors()[0]['msg']}")
    except ValueError as error:
        fail(errors, str(error))
    if not settings.tenants_by_key and not (dev or settings.dev):
        fail(errors, "BACKHAUL_API_KEYS is not set: refusing to serve every caller; set keys, or --dev on loopback")
    try:  # what depends on the region is checked once here, not by every worker as it fails to start
        region = load_region(settings.region, regions_dir=settings.regions_dir)
        CenterCapacity(region.sites.centers, settings.capacity_overrides())
        settings.check_center_tenants(center.id for center in region.sites.centers)
    except BackhaulError as error:
        fail(errors, f"bad setting: {error}")
    try:
        if settings.migrate:  # off on all hosts but one when several start at once (docs/deployment.md)
            Store(settings.database_url).migrate()  # once, before the workers start
    except SQLAlchemyError as error:
        reason = " ".join(str(getattr(error, "orig", None) or error).split())  # one line, no link to the docs
        fail(errors, f"DATABASE_URL: cannot open or migrate the database: {reason}")
    os.environ["BACKHAUL_MIGRATE"] = "false"  # the workers read their settings from the environment
    # Prometheus multiprocess mode: every worker writes its samples here, /metrics adds them up
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="backhaul-metrics-"))
    if dev:
        os.environ["BACKHAUL_DEV"] = "true"
    uvicorn.run(
        "api.main:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        log_config=log_config("info"),
        access_log=False,  # RequestContext writes the access lines, as JSON with their request ids
        timeout_graceful_shutdown=10,
    )


def _is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def register(app: typer.Typer) -> None:
    """Add the service's commands to a Typer application."""
    app.command()(serve)
