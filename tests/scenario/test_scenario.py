"""What-if scenarios: strict files, reproducible KPIs (held to a golden file), an offline report with
the map and every KPI, comparisons, and sweeps that give the same results locally and on Dask."""

from __future__ import annotations

import json
import os
import re
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
    for key in ("unplaced_returns", "courier_km", "co2_kg", "saved_per_processed_return_pct"):
        assert key in small_kpis
    assert all({"id", "capacity", "used"} <= set(c) for c in small_kpis["centers"])
    for side in (small_kpis, small_kpis["baseline"]):
        assert (
            side["pickups_booked"] + side["drop_offs"] + side["unplaced_reasons"].get("no_pickup_slot", 0)
            == side["returns"]
        )
        costs = side["cost_cents"]
        parts = costs["pickup"] + costs["line_haul"] + costs["processing"] + costs["recovered"] + costs["delay"]
        assert abs(parts - costs["total"]) <= 1
        assert abs(costs["total"] / side["returns_processed"] - side["cost_per_processed_return_cents"]) <= 0.5
        assert sum(c["used"] for c in side["centers"]) == side["returns_processed"]
        assert side["returns_processed"] + side["unplaced_returns"] == side["returns"]


def test_report_opens_offline_with_the_map_and_every_kpi(tmp_path: Path) -> None:
    result = simulate(load_scenario(SMALL), cache_dir=tmp_path / "cache")
    write_run(result, tmp_path / "out")
    page = (tmp_path / "out" / "report.html").read_text()
    assert '<script type="application/json" id="map-data">' in page  # the interactive map, its data inside
    assert page.count("data:image/png;base64,") == 1  # the charts
    for kpi in KPI_ROWS:
        assert kpi.label.strip() in page
    assert re.search(r"<script[^>]*\bsrc=", page) is None
    assert 'src="http' not in page
    assert json.loads((tmp_path / "out" / "kpis.json").read_text())["returns"] == 120
    write_comparison([result, result], tmp_path / "cmp")
    rows = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    assert {row["kpi"] for row in rows} >= {"returns", "courier km"}
    assert (tmp_path / "cmp" / "compare.csv").read_text().startswith("kpi,key,")
    assert (tmp_path / "cmp" / "compare.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "date = 2026-12-01\n\n[fleet]\ncouriers_per_depot = 4\ncouriers_per_depo = 5\n[demand]\nreturns = 3\n",
            r"bad\.toml:5: fleet\.couriers_per_depo: unknown key",
        ),
        (
            "date = 2026-12-01\n[demand]\nreturns = 3\npickup_share = 2\n",
            r"bad\.toml:4: demand\.pickup_share: must be within \[0, 1\]",
        ),
        ("date = 2026-12-01\n[demand]\n", r"demand\.returns: is required"),
        (
            'date = 2026-12-01\n[demand]\nreturns = 3\n[fleet.vehicle]\nname = "a van"\n',
            r"bad\.toml:5: fleet\.vehicle\.name: must be a short word",
        ),
        (
            "date = 2026-12-01\ndays = 3\n[demand]\nreturns_by_day = [10, 20]\n",
            r"bad\.toml:4: demand\.returns_by_day: must have one figure per day \(3\), got 2",
        ),
        (
            'date = 2026-12-01\n[demand]\nreturns = 3\n[centers.capacity."12-03"]\nC1 = 4\n',
            r"centers\.capacity\.12-03: a table here must be named by a date",
        ),
    ],
)
def test_bad_scenarios_name_the_file_line_and_key(tmp_path: Path, text: str, message: str) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    with pytest.raises(InputFileError, match=message):
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


WEEK_KEYS = "days = 3\nseed = 5\n"
WEEK_DEMAND = "returns_by_day = [120, 240, 60]\npickup_share = 0.6\n"
WEEK_CENTERS = '[centers.capacity]\nC2 = 40\nC3 = 30\n\n[centers.capacity."2026-12-03"]\nC1 = 90\n'


@pytest.fixture(scope="module")
def week_kpis(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("week")
    text = (
        SMALL.read_text().replace("seed = 5\n", WEEK_KEYS).replace("returns = 120\npickup_share = 0.6\n", WEEK_DEMAND)
    )
    text = text.replace("[fleet]\ncouriers_per_depot = 2\n", "[fleet]\ncouriers_per_depot_by_day = [2, 4, 1]\n")
    (folder / "week.toml").write_text(text + "\n" + WEEK_CENTERS)
    return simulate(load_scenario(folder / "week.toml"), cache_dir=folder / "cache").kpis()


def test_a_week_carries_the_backlog_and_never_fills_a_center_day_beyond_capacity(week_kpis: dict[str, Any]) -> None:
    assert week_kpis["returns"] == 420
    for side, days in ((week_kpis, week_kpis["days"]), (week_kpis["baseline"], week_kpis["baseline_days"])):
        assert days == side["days"]
        assert [d["date"] for d in days[:4]] == ["2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"]
        assert [d["returns"] for d in days[:4]] == [120, 240, 60, 0]
        for day in days:
            assert all(c["used"] <= c["capacity"] for c in day["centers"]), day
        capacity = {d["date"]: {c["id"]: c["capacity"] for c in d["centers"]} for d in days}
        assert capacity["2026-12-02"] == {"C1": 60, "C2": 40, "C3": 30}
        assert capacity["2026-12-03"]["C1"] == 90  # the date's own override
        assert sum(c["used"] for d in days for c in d["centers"]) == side["returns_processed"]
        assert max(d["backlog_end"] for d in days) > 0  # 130 a day cannot take 240
        assert days[-1]["backlog_end"] == 0
        assert sum(c["used"] for c in days[-1]["centers"]) > 0  # the list ends on the last processing date
        assert 1 <= side["days_to_inspection_p50"] <= side["days_to_inspection_p95"]
        assert side["cost_cents"]["delay"] > 0
    for key in ("cost_per_processed_return_cents", "days_to_inspection_p50", "days_to_inspection_p95"):
        assert week_kpis[f"baseline_{key}"] == week_kpis["baseline"][key]
