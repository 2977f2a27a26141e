"""What-if scenarios: strict files, reproducible KPIs (held to a golden file), an offline report with
the map and every KPI, comparisons, and sweeps that give the same results locally and on Dask."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from optimizer.errors import InputFileError
from optimizer.scenario.kpis import KPI_ROWS
from optimizer.scenario.report import write_comparison, write_run
from optimizer.scenario.simulation import simulate
from optimizer.scenario.spec import load_scenario
from optimizer.scenario.sweep import parse_vary, run_dask, run_local, runs
from tests.paths import FIXTURES, SCENARIOS

SMALL = FIXTURES / "small_scenario.toml"
GOLDEN = FIXTURES / "small_scenario_kpis.json"


@pytest.fixture(scope="module")
def small_kpis(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    result = simulate(load_scenario(SMALL), cache_dir=tmp_path_factory.mktemp("cache"))
    return result.kpis()


def test_kpis_match_the_golden_file(small_kpis: dict[str, Any]) -> None:
    """Refresh on purpose only: BACKHAUL_REFRESH_GOLDEN=1 pytest tests/test_scenario.py."""
    if os.environ.get("BACKHAUL_REFRESH_GOLDEN"):
        GOLDEN.write_text(json.dumps(small_kpis, indent=2, sort_keys=True) + "\n")
    assert small_kpis == json.loads(GOLDEN.read_text())


def test_same_file_and_seed_give_the_same_kpis(small_kpis: dict[str, Any], tmp_path: Path) -> None:
    assert simulate(load_scenario(SMALL), cache_dir=tmp_path).kpis() == small_kpis


def test_kpis_add_up_and_hold_the_promised_keys(small_kpis: dict[str, Any]) -> None:
    for key in ("returns", "cost_per_return_cents", "baseline_cost_per_return_cents", "pickups_in_slot_pct"):
        assert key in small_kpis
    for key in ("unplaced_returns", "courier_km", "co2_kg"):
        assert key in small_kpis
    assert all({"id", "capacity", "used"} <= set(c) for c in small_kpis["centers"])
    assert (
        small_kpis["pickups_booked"] + small_kpis["drop_offs"] + small_kpis["unplaced_reasons"].get("no_pickup_slot", 0)
        == small_kpis["returns"]
    )
    costs = small_kpis["cost_cents"]
    parts = costs["pickup"] + costs["line_haul"] + costs["processing"] + costs["recovered"] + costs["unplaced_penalty"]
    assert abs(parts - costs["total"]) <= 1
    assert sum(c["used"] for c in small_kpis["centers"]) + small_kpis["unplaced_returns"] == small_kpis["returns"]


def test_report_opens_offline_with_the_map_and_every_kpi(tmp_path: Path) -> None:
    result = simulate(load_scenario(SMALL), cache_dir=tmp_path / "cache")
    write_run(result, tmp_path / "out")
    page = (tmp_path / "out" / "report.html").read_text()
    assert 'alt="map: Backhaul routes and flows"' in page
    assert page.count("data:image/png;base64,") == 3
    for kpi in KPI_ROWS:
        assert kpi.label.strip() in page
    assert "<script" not in page
    assert 'src="http' not in page
    assert json.loads((tmp_path / "out" / "kpis.json").read_text())["returns"] == 120
    write_comparison([result, result], tmp_path / "cmp")
    rows = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    assert {row["kpi"] for row in rows} >= {"returns", "courier km"}
    assert (tmp_path / "cmp" / "compare.csv").read_text().startswith("kpi,key,")
    assert (tmp_path / "cmp" / "compare.png").read_bytes()[:4] == b"\x89PNG"


def test_bad_scenarios_name_the_file_line_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        "date = 2026-12-01\n\n[fleet]\ncouriers_per_depot = 4\ncouriers_per_depo = 5\n[demand]\nreturns = 3\n"
    )
    with pytest.raises(InputFileError, match=r"bad\.toml:5: fleet\.couriers_per_depo: unknown key"):
        load_scenario(bad)
    bad.write_text("date = 2026-12-01\n[demand]\nreturns = 3\npickup_share = 2\n")
    with pytest.raises(InputFileError, match=r"bad\.toml:4: demand\.pickup_share: must be within \[0, 1\]"):
        load_scenario(bad)
    bad.write_text("date = 2026-12-01\n[demand]\n")
    with pytest.raises(InputFileError, match=r"demand\.returns: is required"):
        load_scenario(bad)
    bad.write_text('date = 2026-12-01\n[demand]\nreturns = 3\n[fleet.vehicle]\nname = "a van"\n')
    with pytest.raises(InputFileError, match=r"bad\.toml:5: fleet\.vehicle\.name: must be a short word"):
        load_scenario(bad)


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_bundled_scenarios_are_valid(path: Path) -> None:
    spec = load_scenario(path)
    assert spec.demand.returns >= 1000


def test_sweep_on_dask_equals_the_local_run(tmp_path: Path) -> None:
    from distributed import LocalCluster

    key, values = parse_vary("fleet.couriers_per_depot=1,2")
    planned = runs(SMALL, key, values, 1)
    local = run_local(planned, tmp_path, workers=2)
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)  # type: ignore[no-untyped-call]
    try:
        remote = run_dask(planned, tmp_path, cluster.scheduler_address)
    finally:
        cluster.close()
    assert [r["cost_per_return_cents"] for r in remote] == [r["cost_per_return_cents"] for r in local]
    assert remote == local


def test_a_file_of_real_requests_replaces_the_generator(tmp_path: Path) -> None:
    returns = [
        {
            "id": "A",
            "lat": 31.2304,
            "lon": 121.4737,
            "category": "apparel",
            "weight_g": 700,
            "method": "pickup",
            "preferred_slot": "19:00",
            "reason": "damaged",
        },
        {"id": "B", "lat": 31.2330, "lon": 121.4760, "category": "shoes", "weight_g": 1200, "method": "drop_off"},
    ]
    (tmp_path / "real.json").write_text(json.dumps({"returns": returns}, indent=1))
    text = SMALL.read_text().replace("returns = 120", 'file = "real.json"')
    (tmp_path / "real.toml").write_text(text)
    kpis = simulate(load_scenario(tmp_path / "real.toml"), cache_dir=tmp_path).kpis()
    assert kpis["returns"] == 2
    assert kpis["pickups_requested"] == 1
    returns[0]["preferred_slot"] = "19:30"
    (tmp_path / "real.json").write_text(json.dumps({"returns": returns}, indent=1))
    with pytest.raises(InputFileError, match=r"real\.json:\d+: returns\[0\]\.preferred_slot"):
        simulate(load_scenario(tmp_path / "real.toml"), cache_dir=tmp_path)
