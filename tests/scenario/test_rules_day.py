"""Return rules, keep-it and screening in the simulated day: what they refuse, avoid and add, both designs alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from optimizer.errors import InputFileError
from optimizer.scenario.simulation import simulate
from optimizer.scenario.spec import load_scenario
from tests.paths import FIXTURES

RULES_DAY = FIXTURES / "small_scenario_rules.toml"


@pytest.fixture(scope="module")
def kpis(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return simulate(load_scenario(RULES_DAY), cache_dir=tmp_path_factory.mktemp("cache")).kpis()


def test_every_return_is_booked_dropped_refused_kept_or_reported(kpis: dict[str, Any]) -> None:
    for side in (kpis, kpis["baseline"]):
        reasons = side["unplaced_reasons"]
        assert reasons.get("refused_by_rules", 0) == side["returns_refused"]
        assert reasons.get("kept_by_shopper", 0) == side["returns_avoided_keep_it"]
        accounted = side["pickups_booked"] + side["drop_offs"] + reasons.get("no_pickup_slot", 0)
        assert accounted + side["returns_refused"] + side["returns_avoided_keep_it"] == side["returns"]
        costs = side["cost_cents"]
        parts = sum(costs[k] for k in ("pickup", "line_haul", "processing", "recovered", "delay", "inspection"))
        assert abs(parts - costs["total"]) <= 1
        assert costs["inspection"] == side["inspection_cost_cents"]


def test_both_designs_refuse_the_same_returns_and_only_backhaul_offers_keep_it(kpis: dict[str, Any]) -> None:
    base = kpis["baseline"]
    assert kpis["returns_refused"] == base["returns_refused"] > 0
    assert base["returns_avoided_keep_it"] == 0
    assert kpis["returns_avoided_keep_it"] > 0
    assert kpis["keep_it_saved_cents"] >= kpis["returns_avoided_keep_it"]  # each one saves at least a fen


def test_flagged_returns_are_inspected_at_the_actions_price(kpis: dict[str, Any]) -> None:
    assert kpis["inspections"] > 0
    assert 300 * kpis["inspections"] <= kpis["inspection_cost_cents"] <= 2_500 * kpis["inspections"]


def test_without_rules_nothing_is_refused_kept_or_inspected() -> None:
    golden = FIXTURES / "small_scenario.toml"
    assert load_scenario(golden).rules is None


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ("[rules]\nlate_shar = 0.1\n", "day.toml:5: rules.late_shar: unknown key"),
        ("[rules]\nabusive_share = 0.9\n", "day.toml:5: rules.abusive_share: must be within [0, 0.5]"),
        ('[rules]\nfile = "missing.toml"\n', "missing.toml: cannot read"),
        ('[rules]\nfile = "bad_rules.toml"\n', "bad_rules.toml:2: window.default_days: 3 is below the statutory 7-day"),
    ],
)
def test_a_bad_rules_table_names_the_file_line_and_key(tmp_path: Path, table: str, says: str) -> None:
    (tmp_path / "bad_rules.toml").write_text("[window]\ndefault_days = 3\n")
    scenario = tmp_path / "day.toml"
    scenario.write_text("date = 2026-12-01\n[demand]\nreturns = 10\n" + table)
    with pytest.raises(InputFileError) as raised:
        load_scenario(scenario)
    assert says in str(raised.value)
