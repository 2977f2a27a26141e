"""`backhaul validate PROBLEM SOLUTION`: check a solution file with the independent validator, without solving.

Exit status 0 when the solution is valid, 1 with one line per violation, 2 when either file cannot
be read (one line naming the file, line and field).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from optimizer.cli.command import CacheDir, RegionsDir, RoadRegion, app, error_console, fail, road_source
from optimizer.errors import BackhaulError
from optimizer.geo import DEFAULT_CACHE_DIR, DEFAULT_REGIONS_DIR
from optimizer.io.problem_json import load_problem
from optimizer.io.solution_json import load_solution
from optimizer.routing.validator import validate as check


@app.command()
def validate(
    problem_file: Annotated[Path, typer.Argument(metavar="PROBLEM.json", help="Problem file (docs/formats.md).")],
    solution_file: Annotated[
        Path, typer.Argument(metavar="SOLUTION.json", help="Solution file (docs/formats.md), from any engine.")
    ],
    region: RoadRegion = None,
    regions_dir: RegionsDir = DEFAULT_REGIONS_DIR,
    cache_dir: CacheDir = DEFAULT_CACHE_DIR,
    quiet: Annotated[bool, typer.Option("--quiet", help="Print only violations and errors.")] = False,
) -> None:
    """Check SOLUTION.json against PROBLEM.json: windows, shifts, capacities, skills, times, costs, each request once.

    Nothing is solved: the independent validator recomputes travel, loads and costs from the problem.
    """
    errors = error_console()
    source = road_source(region, regions_dir, cache_dir, errors)
    try:
        problem = load_problem(problem_file, matrix_source=source, cache_dir=cache_dir)
        result = load_solution(solution_file)
    except BackhaulError as error:
        fail(errors, str(error))
    violations = check(problem, result)
    for violation in violations:
        errors.print(f"{solution_file}: {violation}", markup=False, highlight=False)
    if violations:
        raise typer.Exit(1)
    stops = sum(len(route.stops) for route in result.routes)
    Console(quiet=quiet).print(
        f"valid: {len(result.routes)} routes, {stops} stops, {len(result.unassigned)} unassigned, "
        f"cost {result.cost.total_cents / 100:.2f}",
        markup=False,
        highlight=False,
    )
