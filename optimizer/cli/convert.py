"""`backhaul convert --from vroom IN --out PROBLEM` and `--to vroom`: VROOM's JSON input to and from ours.

Bad input exits 2 with one line naming the file, line and key (an unsupported VROOM key included).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from optimizer.cli.command import (
    CacheDir,
    RegionsDir,
    RoadRegion,
    app,
    check_writable,
    error_console,
    fail,
    road_source,
    write_json_atomically,
)
from optimizer.errors import BackhaulError
from optimizer.geo import DEFAULT_CACHE_DIR, DEFAULT_REGIONS_DIR
from optimizer.io.problem_json import MAX_PROBLEM_BYTES, problem_from_dict, problem_midnight
from optimizer.io.strict import read_json_file
from optimizer.io.vroom import DIMENSIONS, problem_from_vroom, problem_to_vroom


class Format(StrEnum):
    """The other tools' formats."""

    VROOM = "vroom"


@app.command()
def convert(
    source: Annotated[Path, typer.Argument(metavar="IN", help="The file to convert (- reads standard input).")],
    out: Annotated[Path, typer.Option("--out", metavar="FILE", help="Where to write the converted document.")],
    from_format: Annotated[
        Format | None, typer.Option("--from", help="IN is in this format; OUT is a problem.")
    ] = None,
    to_format: Annotated[Format | None, typer.Option("--to", help="IN is a problem; OUT is in this format.")] = None,
    dimensions: Annotated[
        str, typer.Option("--dimensions", help="What each amount component is, in order.")
    ] = ",".join(DIMENSIONS),
    region: RoadRegion = None,
    regions_dir: RegionsDir = DEFAULT_REGIONS_DIR,
    cache_dir: CacheDir = DEFAULT_CACHE_DIR,
) -> None:
    """Convert VROOM input to a Backhaul problem (--from vroom), or a problem to VROOM input (--to vroom).

    `--to vroom` writes the problem's travel matrix into the VROOM file (with --region, over the roads),
    so both engines plan on the same travel.
    """
    errors = error_console()
    if (from_format is None) == (to_format is None):
        fail(errors, "give exactly one of --from and --to")
    check_writable(out, errors, "--out")
    names = tuple(name.strip() for name in dimensions.split(",") if name.strip())
    try:
        if from_format is not None:
            document = read_json_file(source, lambda data: problem_from_vroom(data, names), max_bytes=MAX_PROBLEM_BYTES)
            problem_from_dict(document)  # what we write must read back as a valid problem
        else:
            roads = road_source(region, regions_dir, cache_dir, errors)
            problem, midnight = read_json_file(
                source,
                lambda data: (
                    problem_from_dict(data, matrix_source=roads, cache_dir=cache_dir),
                    problem_midnight(data),
                ),
                max_bytes=MAX_PROBLEM_BYTES,
            )
            origin = int(midnight.timestamp()) if midnight is not None else 0
            document = problem_to_vroom(problem, origin=origin, dimensions=names)
    except BackhaulError as error:
        fail(errors, str(error))
    try:
        write_json_atomically(out, document)
    except OSError as error:
        fail(errors, f"--out {out}: cannot write: {error}")
    Console(stderr=True).print(f"{source} -> {out}", markup=False, highlight=False)
