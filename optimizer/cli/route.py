"""`backhaul route`: plan courier routes from a problem file and print a readable summary.

Errors in the input end with one line naming the file, line and field, and exit status 2; a plan
that fails the independent validator exits with status 1 (it would be a solver bug).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from optimizer.cli.command import (
    MAX_TIME_LIMIT_S,
    CacheDir,
    RegionsDir,
    RoadRegion,
    app,
    check_writable,
    clock,
    error_console,
    fail,
    money,
    road_source,
    table,
    write_json_atomically,
    write_text_atomically,
)
from optimizer.errors import BackhaulError
from optimizer.geo import DEFAULT_CACHE_DIR, DEFAULT_REGIONS_DIR
from optimizer.geo.region import Region
from optimizer.io.problem_json import load_problem
from optimizer.io.solution_json import add_leg_geometry, result_to_dict
from optimizer.routing.problem import RoutingProblem
from optimizer.routing.result import RoutingResult, SolveStatus
from optimizer.routing.solver import solve
from optimizer.routing.validator import validate


def _print_summary(console: Console, problem: RoutingProblem, result: RoutingResult) -> None:
    routes = Table(title="Routes", show_lines=False)
    for column in ("courier", "stops", "leaves", "returns", "km", "hours", "peak load", "cost"):
        routes.add_column(column, justify="left" if column == "courier" else "right")
    for route in result.routes:
        courier = problem.couriers[problem.courier_index[route.courier_id]]
        loads = [route.load_at_start] + [stop.load_after for stop in route.stops]
        peak = max(
            amount / limit
            for load in loads
            for amount, limit in zip(load.as_tuple(), courier.capacity.as_tuple(), strict=True)
            if limit
        )
        routes.add_row(
            route.courier_id,
            str(len(route.stops)),
            clock(route.start_s),
            clock(route.end_s),
            f"{route.distance_m / 1000:.1f}",
            f"{route.duration_s / 3600:.2f}",
            f"{peak:.0%}",
            money(route.cost.total_cents),
        )
    console.print(routes)
    served = len(problem.requests) - len(result.unassigned)
    kpis = Table(title="Plan", show_header=False)
    kpis.add_column(justify="left")
    kpis.add_column(justify="right")
    cost = result.cost
    for label, value in (
        ("status", result.status.value),
        ("pickups served", f"{served} of {len(problem.requests)}"),
        ("couriers used", f"{len(result.routes)} of {len(problem.couriers)}"),
        ("distance", f"{result.distance_m / 1000:.1f} km"),
        ("courier time", f"{result.duration_s / 3600:.2f} h"),
        ("cost: distance", money(cost.distance_cents)),
        ("cost: time", money(cost.duration_cents)),
        ("cost: fixed", money(cost.fixed_cents)),
        ("cost: penalties", money(cost.penalty_cents)),
        ("cost: total", money(cost.total_cents)),
        ("search engine", result.engine or "-"),
        ("solve time", f"{result.runtime_s:.2f} s"),
        (
            "first solution",
            "none" if result.first_solution_s is None else f"{result.first_solution_s:.2f} s",
        ),
    ):
        kpis.add_row(label, value)
    console.print(kpis)
    if result.unassigned:
        rows = [[item.request_id, item.reason.value, item.detail] for item in result.unassigned]
        console.print(table("Unassigned", ["request", "reason", "detail"], rows))
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {warning}")


def _write_map(path: Path, region: Region, problem_file: Path, drawn: dict[str, Any], errors: Console) -> None:
    from optimizer.maps.document import map_document, plan_layer
    from optimizer.maps.page import map_html

    title = f"{problem_file.name}: {region.title}"
    document = map_document(region, [plan_layer("plan", drawn)], title=title)
    try:
        write_text_atomically(path, map_html(document))
    except OSError as error:
        fail(errors, f"--map {path}: cannot write: {error}")


@app.command()
def route(
    problem_file: Annotated[
        Path, typer.Argument(metavar="PROBLEM.json", help="Problem file (docs/formats.md); - reads standard input.")
    ],
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            min=0.1,
            max=MAX_TIME_LIMIT_S,
            help="Wall-clock seconds from reading the input to the plan (matrices and model included).",
        ),
    ] = 10.0,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Search seed (same seed + solution limit: same plan).")
    ] = 0,
    out: Annotated[Path | None, typer.Option("--out", metavar="SOLUTION.json", help="Write the solution here.")] = None,
    solution_limit: Annotated[
        int | None, typer.Option("--solution-limit", min=1, help="Stop after this many solutions (deterministic).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="Print only errors.")] = False,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Write the solution to standard output (the summary and progress go to stderr)."),
    ] = False,
    region: RoadRegion = None,
    regions_dir: RegionsDir = DEFAULT_REGIONS_DIR,
    cache_dir: CacheDir = DEFAULT_CACHE_DIR,
    geojson: Annotated[
        Path | None,
        typer.Option(
            "--geojson",
            metavar="FILE",
            help="Write the routes as GeoJSON: a Point per depot and stop, a LineString per leg along the roads "
            "(needs --region).",
        ),
    ] = None,
    leg_geometry: Annotated[
        bool,
        typer.Option("--leg-geometry", help="Put each leg's road polyline into the solution (needs --region)."),
    ] = False,
    map_file: Annotated[
        Path | None,
        typer.Option(
            "--map",
            metavar="FILE.html",
            help="Write an interactive map of the routes along the roads; it opens offline (needs --region).",
        ),
    ] = None,
) -> None:
    """Plan courier routes for the pickups in PROBLEM.json and print routes, KPIs and unassigned requests."""
    console = Console(quiet=quiet, stderr=as_json)
    started = time.perf_counter()
    errors = error_console()
    for flag, wanted in (("--geojson", geojson is not None), ("--leg-geometry", leg_geometry), ("--map", map_file)):
        if wanted and region is None:
            fail(errors, f"{flag} draws legs along the road network: give --region too")
    source = road_source(region, regions_dir, cache_dir, errors)
    try:
        problem = load_problem(problem_file, matrix_source=source, cache_dir=cache_dir)
    except BackhaulError as error:
        fail(errors, str(error))
    for flag, target in (("--out", out), ("--geojson", geojson), ("--map", map_file)):
        if target is not None:
            check_writable(target, errors, flag)
    show_progress = console.is_terminal and not quiet
    with Progress(
        TextColumn("[bold]solving[/] {task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not show_progress,
    ) as progress:
        task = progress.add_task("no plan yet", total=time_limit)

        def report(elapsed: float, cost_cents: float) -> None:
            progress.update(task, completed=elapsed, description=f"best cost {money(cost_cents)}")

        try:
            budget = max(0.1, time_limit - (time.perf_counter() - started))  # reading and matrices count too
            result = solve(problem, time_limit_s=budget, seed=seed, solution_limit=solution_limit, on_progress=report)
        except BackhaulError as error:
            fail(errors, f"{problem_file}: {error}")
    _print_summary(console, problem, result)
    problems = validate(problem, result)
    document = result_to_dict(result, problem)
    drawn = None
    if source is not None and (geojson is not None or leg_geometry or map_file is not None):
        from optimizer.geo.route_shapes import plan_geojson

        drawn = plan_geojson(source, problem, result)
        if leg_geometry:
            add_leg_geometry(document, drawn)
    if as_json:
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        sys.stdout.flush()
    if out is not None:
        try:
            write_json_atomically(out, document)
        except OSError as error:
            fail(errors, f"--out {out}: cannot write: {error}")
        console.print(f"solution written to {out}")
    if geojson is not None and drawn is not None:
        try:
            write_json_atomically(geojson, drawn)
        except OSError as error:
            fail(errors, f"--geojson {geojson}: cannot write: {error}")
        console.print(f"routes drawn to {geojson}")
    if map_file is not None and source is not None and drawn is not None:
        _write_map(map_file, source.region, problem_file, drawn, errors)
        console.print(f"map written to {map_file}")
    if problems:
        for message in problems:
            errors.print(f"invalid plan: {message}", markup=False, highlight=False)
        raise typer.Exit(1)
    console.print("[green]validated:[/] every route respects windows, shifts, capacities and skills")
    if result.status is SolveStatus.NO_SOLUTION:
        raise typer.Exit(1)
