"""`backhaul assign`: send returns to processing centers, optimally, and compare with the nearest-center rule."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from optimizer.assignment.problem import DEFAULT_UNPLACED_PENALTY_CENTS, AssignmentProblem
from optimizer.assignment.result import AssignmentResult
from optimizer.cli.command import (
    CacheDir,
    RegionsDir,
    app,
    error_console,
    fail,
    money,
    open_region,
    table,
)
from optimizer.errors import BackhaulError
from optimizer.geo import DEFAULT_CACHE_DIR, DEFAULT_REGIONS_DIR
from optimizer.io.assignment_json import assignment_to_dict, savings

if TYPE_CHECKING:
    from optimizer.domain import Return

DEFAULT_REGION = "shenzhen-pingshan"


def _print_report(
    console: Console, problem: AssignmentProblem, optimal: AssignmentResult, base: AssignmentResult
) -> None:
    saved, saved_pct = savings(optimal, base)
    summary = Table(title=f"Assignment of {len(problem.returns):,} returns", show_header=True)
    summary.add_column("")
    summary.add_column("optimal", justify="right")
    summary.add_column("nearest center (today)", justify="right")
    rows: list[tuple[str, Callable[[AssignmentResult], str]]] = [
        ("transport", lambda r: money(r.cost.transport_cents)),
        ("processing", lambda r: money(r.cost.processing_cents)),
        ("recovered value", lambda r: "-" + money(r.cost.recovered_cents)),
        ("unplaced / overflow", lambda r: f"{r.unplaced_count:,}"),
        ("unplaced penalty", lambda r: money(r.cost.unplaced_penalty_cents)),
        ("total cost", lambda r: money(r.cost.total_cents)),
    ]
    for label, pick in rows:
        summary.add_row(label, pick(optimal), pick(base))
    console.print(summary)
    pct = "" if saved_pct is None else f" ({saved_pct:.1f} % of the baseline)"
    console.print(f"saved against the nearest-center rule: {money(saved)}{pct}; optimal, bound = cost")
    centers = Table(title="Processing centers")
    for column in ("center", "capacity", "used", "utilisation", "shadow price", "nearest-rule demand", "overflow"):
        centers.add_column(column, justify="left" if column == "center" else "right")
    for use, base_use in zip(optimal.centers, base.centers, strict=True):
        lines = ", ".join(
            f"{name} {price / 100:.2f}" for name, price in (use.category_shadow_price_cents or {}).items() if price
        )
        centers.add_row(
            use.id,
            f"{use.capacity:,}",
            f"{use.used:,}",
            f"{use.used / use.capacity:.0%}" if use.capacity else "-",
            money(use.shadow_price_cents or 0) + (f" ({lines})" if lines else ""),
            f"{base_use.demand:,}",
            f"{base_use.demand - base_use.used:,}",
        )
    console.print(centers)
    if optimal.unplaced:
        left = [[group.reason.value, f"{len(group.indices):,}", group.detail] for group in optimal.unplaced]
        console.print(table("Unplaced returns", ["reason", "returns", "detail"], left))


@app.command()
def assign(
    returns_file: Annotated[
        Path | None, typer.Argument(metavar="[RETURNS.json]", help="Returns to place (docs/formats.md).")
    ] = None,
    region: Annotated[str | None, typer.Option("--region", help=f"Region (default {DEFAULT_REGION}).")] = None,
    generate: Annotated[
        int | None, typer.Option("--generate", min=1, max=2_000_000, help="Generate this many returns instead.")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the generated returns.")] = 0,
    penalty: Annotated[
        int | None,
        typer.Option("--unplaced-penalty-cents", min=1, max=10**8, help="Cost of leaving one return unplaced today."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of the report.")] = False,
    regions_dir: RegionsDir = DEFAULT_REGIONS_DIR,
    cache_dir: CacheDir = DEFAULT_CACHE_DIR,
) -> None:
    """Assign returns to the cheapest processing centers with capacity; report costs, use and shadow prices."""
    # the geography and solver stack loads here, not when `backhaul` starts
    from optimizer.assignment.baseline import nearest_center
    from optimizer.assignment.from_region import assignment_problem
    from optimizer.assignment.solver import assign as solve_assignment
    from optimizer.assignment.validator import validate_assignment
    from optimizer.demand import DemandSpec, generate_returns
    from optimizer.geo.road_matrix import RoadNetworkSource
    from optimizer.io.returns_json import load_returns

    errors = error_console()
    if (returns_file is None) == (generate is None):
        fail(errors, "give a RETURNS.json file or --generate N (not both)")
    items: tuple[Return, ...]
    file_penalty = DEFAULT_UNPLACED_PENALTY_CENTS
    if returns_file is not None:
        try:
            document = load_returns(returns_file)
        except BackhaulError as error:
            fail(errors, str(error))
        items, file_penalty = document.returns, document.unplaced_penalty_cents
        region = region or document.region
    loaded = open_region(region or DEFAULT_REGION, regions_dir, errors)
    if generate is not None:
        generated = generate_returns(loaded, DemandSpec(generate), seed=seed)
        items = tuple(generated)
    try:
        problem = assignment_problem(
            loaded,
            items,
            source=RoadNetworkSource(loaded, cache_dir),
            unplaced_penalty_cents=penalty or file_penalty,
        )
        optimal = solve_assignment(problem)
        base = nearest_center(problem)
    except BackhaulError as error:
        fail(errors, f"{returns_file or 'generated returns'}: {error}")
    problems = validate_assignment(problem, optimal)
    if problems:
        for message in problems:
            errors.print(f"invalid assignment: {message}", markup=False, highlight=False)
        raise typer.Exit(1)
    if as_json:
        json.dump(assignment_to_dict(problem, optimal, base, region=loaded.name), sys.stdout)
        sys.stdout.write("\n")
        return
    _print_report(Console(), problem, optimal, base)
