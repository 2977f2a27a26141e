"""Files the map tests draw: a planned Pingshan day (`route --map`) and a scenario report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backhaul.cli import app
from optimizer.scenario.report import write_run
from optimizer.scenario.simulation import ScenarioResult, simulate
from optimizer.scenario.spec import load_scenario
from tests.paths import SAMPLE_PROBLEM, SMALL_SCENARIO


@pytest.fixture(scope="session")
def route_map(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """`backhaul route --map` on the Pingshan sample: the page and the couriers the solution uses."""
    folder = tmp_path_factory.mktemp("route-map")
    page, solution = folder / "routes.html", folder / "solution.json"
    arguments = ["route", str(SAMPLE_PROBLEM), "--region", "shenzhen-pingshan", "--time-limit", "2", "--seed", "1"]
    result = CliRunner().invoke(app, [*arguments, "--map", str(page), "--out", str(solution), "--quiet"])
    assert result.exit_code == 0, result.output
    couriers = [route["courier_id"] for route in json.loads(solution.read_text())["routes"]]
    assert couriers
    return page, couriers


@pytest.fixture(scope="session")
def scenario_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ScenarioResult]:
    """The small scenario's report and its result."""
    result = simulate(load_scenario(SMALL_SCENARIO), cache_dir=tmp_path_factory.mktemp("cache"))
    out = tmp_path_factory.mktemp("report")
    write_run(result, out)
    return out / "report.html", result
