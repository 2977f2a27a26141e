"""`backhaul rules check`: a good rule file is shown as the service reads it; a bad one exits 2 naming file and line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from backhaul.cli import app
from tests.paths import SCENARIOS

runner = CliRunner()


def test_a_rule_file_is_shown_with_the_statutory_floor() -> None:
    result = runner.invoke(app, ["rules", "check", str(SCENARIOS / "rules" / "keep_cheap_items.toml")])
    assert result.exit_code == 0, result.output
    assert "15 (apparel 30)" in result.output
    assert "8000" in result.output


def test_a_bad_rule_file_exits_2_with_one_line_naming_file_line_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "rules.toml"
    bad.write_text("[window]\ndefault_days = 30\n[keep_it]\nmax_value_cents = true\n")
    result = runner.invoke(app, ["rules", "check", str(bad)])
    assert result.exit_code == 2
    assert (
        " ".join(result.output.split())
        == f"error: {bad}:4: keep_it.max_value_cents: must be an integer within [0, 1000000000], got True"
    )
    missing = runner.invoke(app, ["rules", "check", str(tmp_path / "none.toml")])
    assert missing.exit_code == 2
    assert "none.toml: cannot read" in missing.output
