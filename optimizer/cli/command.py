"""The `backhaul` Typer application and what every command shares: output helpers and region options."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from optimizer.errors import BackhaulError

if TYPE_CHECKING:
    from optimizer.geo.region import Region
    from optimizer.geo.road_matrix import RoadNetworkSource

app = typer.Typer(help="Backhaul: reverse-logistics optimisation for e-commerce returns.", no_args_is_help=True)
MAX_TIME_LIMIT_S = 24 * 3600.0

RegionsDir = Annotated[
    Path,
    typer.Option("--regions-dir", envvar="BACKHAUL_REGIONS_DIR", help="Folder of region folders."),
]
RoadRegion = Annotated[
    str | None,
    typer.Option("--region", help="Travel times over this region's road network (e.g. shenzhen-pingshan)."),
]
CacheDir = Annotated[
    Path,
    typer.Option("--cache-dir", envvar="BACKHAUL_CACHE_DIR", help="Where road-network matrices are cached."),
]


@app.callback()
def _main() -> None:
    """Backhaul: pickup routing, processing-center assignment and what-if planning for returns."""


def error_console() -> Console:
    """Standard error, one line per message however long (soft wrap)."""
    return Console(stderr=True, soft_wrap=True)


def fail(errors: Console, message: str, *, status: int = 2) -> NoReturn:
    """Print `error: message` as one plain line and exit (2: bad input)."""
    errors.print(f"error: {message}", markup=False, highlight=False)
    raise typer.Exit(status)


def table(title: str, columns: list[str], rows: list[list[str]]) -> Table:
    """A rich table: the first column left-aligned (a label), the others right-aligned (figures)."""
    result = Table(title=title)
    for i, column in enumerate(columns):
        result.add_column(column, justify="left" if i == 0 else "right")
    for row in rows:
        result.add_row(*row)
    return result


def clock(seconds: int) -> str:
    """`HH:MM` of a time of day in seconds."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def money(cents: float) -> str:
    """An amount in cents as yuan with two decimals and thousands separators."""
    return f"{cents / 100:,.2f}"


def open_region(name: str, regions_dir: Path, errors: Console) -> Region:
    """Load a region or exit with its error (which names the file and key)."""
    from optimizer.geo.region import load_region  # geopandas and friends load only when a region is used

    try:
        return load_region(name, regions_dir=regions_dir)
    except BackhaulError as error:
        fail(errors, str(error))


def road_source(region: str | None, regions_dir: Path, cache_dir: Path, errors: Console) -> RoadNetworkSource | None:
    """Travel over the named region's roads (None without `--region`); exits with the region's error."""
    if region is None:
        return None
    from optimizer.geo.road_matrix import RoadNetworkSource

    return RoadNetworkSource(open_region(region, regions_dir, errors), cache_dir)


def write_json_atomically(path: Path, document: object) -> None:
    """Write JSON next to `path` and rename it into place, so a crash never leaves half a file."""
    write_text_atomically(path, json.dumps(document, indent=2) + "\n")


def write_text_atomically(path: Path, text: str) -> None:
    """Write `text` next to `path` and rename it into place, so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=f".{path.name}.", delete=False) as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(handle.name, 0o666 & ~umask)  # as an ordinary new file would be, not the temporary file's 0600
    os.replace(handle.name, path)


def check_writable(out: Path, errors: Console, flag: str = "--out") -> None:
    """Fail before a long solve, not after it, when the output file `flag` names cannot be written."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        fail(errors, f"{flag} {out}: cannot create its folder: {error}")
    if out.is_dir() or not os.access(out.parent, os.W_OK):
        fail(errors, f"{flag} {out}: not a writable file path")
