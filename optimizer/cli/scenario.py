"""`backhaul scenario run | compare | sweep`: what-if days for planners."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from optimizer.cli.command import CacheDir, app, error_console, fail, table
from optimizer.errors import BackhaulError
from optimizer.geo import DEFAULT_CACHE_DIR

scenario_app = typer.Typer(help="What-if scenarios: simulate a return day, compare designs, sweep a parameter.")
app.add_typer(scenario_app, name="scenario")
Out = Annotated[Path, typer.Option("--out", help="Folder for the outputs.")]


def _simulate(path: Path, cache_dir: Path, console: Console):  # type: ignore[no-untyped-def]
    from optimizer.scenario.simulation import simulate
    from optimizer.scenario.spec import load_scenario

    errors = error_console()
    try:
        spec = load_scenario(path)
    except BackhaulError as error:
        fail(errors, str(error))
    with Progress(
        TextColumn(f"[bold]{spec.name}[/] {{task.description}}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task("loading the region", total=1.0)

        def report(stage: str, share: float) -> None:
            progress.update(task, description=stage, completed=share)

        try:
            return simulate(spec, cache_dir=cache_dir, progress=report)
        except (BackhaulError, ValueError) as error:
            fail(errors, f"{path}: {error}")


@scenario_app.command("run")
def run(
    scenario_file: Annotated[Path, typer.Argument(metavar="FILE.toml", help="Scenario (scenarios/README.md).")],
    out: Out = Path("results/scenario"),
    cache_dir: CacheDir = DEFAULT_CACHE_DIR,
) -> None:
    """Simulate the days with Backhaul and with today's practice; write kpis.json and report.html."""
    from optimizer.scenario.kpis import KPI_ROWS
    from optimizer.scenario.report import format_kpi, write_run

    console = Console()
    started = time.perf_counter()
    result = _simulate(scenario_file, cache_dir, console)
    write_run(result, out)
    rows = [
        [
            kpi.label,
            format_kpi(kpi.read(result.optimised.kpis), kpi.style),
            format_kpi(kpi.read(result.baseline.kpis), kpi.style),
        ]
        for kpi in KPI_ROWS
    ]
    console.print(table(result.spec.name, ["KPI", "Backhaul", "today's practice"], rows))
    console.print(
        f"saved per processed return: {result.saved_per_processed_return_pct:.1f} %; "
        f"{out / 'kpis.json'} and {out / 'report.html'} written in {time.perf_counter() - started:.0f} s"
    )


@scenario_app.command("compare")
def compare(
    first: Annotated[Path, typer.Argument(metavar="A.toml")],
    second: Annotated[Path, typer.Argument(metavar="B.toml")],
    out: Out = Path("results/compare"),
    cache_dir: CacheDir = DEFAULT_CACHE_DIR,
) -> None:
    """Both scenarios with their own seeds, KPIs side by side with absolute and percent changes."""
    from optimizer.scenario.kpis import KPI_ROWS
    from optimizer.scenario.report import format_kpi, write_comparison

    console = Console()
    results = [_simulate(path, cache_dir, console) for path in (first, second)]
    write_comparison(results, out)
    rows = []
    for kpi in KPI_ROWS:
        a, b = (kpi.read(r.optimised.kpis) for r in results)
        pct = f"{100 * (b - a) / abs(a):+.1f} %" if a else ""
        rows.append([kpi.label, format_kpi(a, kpi.style), format_kpi(b, kpi.style), format_kpi(b - a, kpi.style), pct])
    names = [r.spec.name for r in results]
    console.print(table("Comparison", ["KPI", *names, "change", "change %"], rows))
    console.print(f"written: {out / 'compare.json'}, {out / 'compare.csv'}, {out / 'compare.png'}")


@scenario_app.command("sweep")
def sweep(
    scenario_file: Annotated[Path, typer.Argument(metavar="FILE.toml")],
    vary: Annotated[str, typer.Option("--vary", help="KEY=V1,V2,... e.g. fleet.couriers_per_depot=6,8,10")],
    replications: Annotated[int, typer.Option("--replications", min=1, max=1000, help="Seeds per value.")] = 3,
    dask: Annotated[str | None, typer.Option("--dask", metavar="ADDRESS", help="Run on this Dask scheduler.")] = None,
    out: Out = Path("results/sweep"),
    cache_dir: CacheDir = DEFAULT_CACHE_DIR,
) -> None:
    """Run every value x seed in parallel (process pool, or Dask with --dask) and chart each KPI against it."""
    from optimizer.scenario.sweep import parse_vary, run_dask, run_local, runs, write_sweep

    errors = error_console()
    try:
        key, values = parse_vary(vary)
        planned = runs(scenario_file, key, values, replications)
    except BackhaulError as error:
        fail(errors, str(error))
    started = time.perf_counter()
    results = run_dask(planned, cache_dir, dask) if dask else run_local(planned, cache_dir)
    write_sweep(results, key, out)
    rows = [
        [str(r["value"]), str(r["seed"]), f"{r['cost_per_return_cents'] / 100:.2f}", f"{r['pickups_in_slot_pct']:.1f}"]
        for r in results
    ]
    Console().print(table(f"Sweep of {key}", [key, "seed", "cost per return", "in slot %"], rows))
    Console().print(f"{len(results)} runs in {time.perf_counter() - started:.0f} s; written to {out}")
