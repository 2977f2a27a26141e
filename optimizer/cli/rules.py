"""`backhaul rules check FILE`: read a merchant's rule file as the service would, and show what it decides."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from optimizer.cli.command import app, error_console, fail, table
from optimizer.errors import BackhaulError
from optimizer.rules import InsuranceTable, RuleSet, read_rules_file
from optimizer.rules.ruleset import STATUTORY_DAYS

rules_app = typer.Typer(help="Merchant return rules (docs/api.md, 'Return rules').", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


def _pays(table: InsuranceTable) -> str:
    if table.cap_cents is not None:
        return f"cap {table.cap_cents}"
    if table.flat_cents is not None:
        return f"flat {table.flat_cents}"
    return "bands " + " ".join(f"<={km:g}km {cents}" for km, cents in table.bands)


def _rows(rules: RuleSet) -> list[list[str]]:
    windows = ", ".join(f"{c} {d}" for c, d in sorted(rules.category_window_days.items()))
    insurance = ", ".join(f"{method}: {_pays(t)}" for method, t in rules.insurance.items())
    screening = rules.screening
    return [
        ["no-reason window (days)", f"{rules.window_days}" + (f" ({windows})" if windows else "")],
        ["statutory floor (days)", str(STATUTORY_DAYS)],
        ["quality window (days)", str(rules.quality_window_days)],
        ["excluded categories", ", ".join(sorted(rules.excluded_categories)) or "none"],
        ["excluded flags", ", ".join(sorted(rules.excluded_flags)) or "none"],
        ["condition", rules.condition],
        ["payer overrides", ", ".join(f"{r}: {p.value}" for r, p in sorted(rules.payer_by_reason.items())) or "none"],
        ["运费险 (cents)", insurance or "none"],
        ["keep-it up to (cents)", str(rules.keep_it_max_value_cents)],
        [
            "screening thresholds",
            f"{screening.inspect_at_door} / {screening.route_to_inspection_center} / {screening.manual_review}",
        ],
    ]


@rules_app.command("check")
def check(
    file: Annotated[Path, typer.Argument(help="The rule file (TOML).")],
) -> None:
    """Check a rule file (exit 2 naming the file, line and key if it is wrong) and print what it sets."""
    try:
        rules = read_rules_file(file)
    except BackhaulError as error:
        fail(error_console(), str(error))
    Console().print(table(f"Return rules in {file}", ["rule", "value"], _rows(rules)))
