"""Return rules, keep-it and abuse screening in the simulated days (a scenario's `[rules]` table).

Each shopper's item gets a value (by category), a delivery some days before the request (most
within the statutory 7 days, `late_share` later) and, rarely, a statutory exclusion flag; the
merchant's rules decide whether it may come back (refused returns leave both designs). Each
shopper is also an account of a generated population with planted abusive behaviours
(`optimizer.screening.population`), screened on its history: a flagged return costs an inspection
(the action's price) and is never offered keep-it. Keep-it itself is Backhaul's: a shopper offered
it takes it with `keep_it_take_share`, and the return never travels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType

import numpy as np

from optimizer.errors import ValidationError
from optimizer.io.strict import TomlTable, as_name, int_in, number_in
from optimizer.rules import Item, RuleSet, decide, read_rules_file
from optimizer.rules.ruleset import STATUTORY_FLAGS
from optimizer.screening import History, assess
from optimizer.screening.population import BEHAVIOURS, PopulationSpec, generate_population, last_requests

VALUE_MEDIAN_CENTS = MappingProxyType(
    {"apparel": 8_000, "shoes": 20_000, "electronics": 50_000, "home": 6_000, "bulky": 100_000}
)
"""Median value of a returned item per category (log-normal, sigma 1: from cheap accessories to costly items)."""
FLAGGED_SHARE = 0.02
"""Share of items carrying one of the statutory exclusion flags."""


@dataclass(frozen=True)
class RulesSpec:
    """What the `[rules]` table of a scenario sets."""

    rules: RuleSet = field(default_factory=RuleSet)
    late_share: float = 0.1
    """Returns asked for 8 to 30 days after delivery."""
    keep_it_take_share: float = 0.8
    abusive_share: float = 0.04
    inspection_cents: Mapping[str, int] = field(
        default_factory=lambda: MappingProxyType(
            {"inspect_at_door": 300, "route_to_inspection_center": 1_200, "manual_review": 2_500}
        )
    )


@dataclass(frozen=True, slots=True)
class Screened:
    """One shopper's item under the rules: its value, whether it may come back, and the screening's action."""

    value_cents: int
    eligible: bool
    action: str


def rules_spec(table: TomlTable, folder: Path) -> RulesSpec:
    """The `[rules]` table (errors name the key); `file` is a rule file relative to the scenario."""
    default = RulesSpec()
    file = table.optional("file", as_name)
    prices = {
        action: table.get(f"{action}_cents", int_in(0, 10**7), cents)
        for action, cents in default.inspection_cents.items()
    }
    spec = RulesSpec(
        rules=read_rules_file(folder / file) if file else RuleSet(),
        late_share=table.get("late_share", number_in(0, 1), default.late_share),
        keep_it_take_share=table.get("keep_it_take_share", number_in(0, 1), default.keep_it_take_share),
        abusive_share=table.get("abusive_share", number_in(0, 0.5), default.abusive_share),
        inspection_cents=MappingProxyType(prices),
    )
    table.done()
    return spec


class ShopperBase:
    """The population the day's shoppers are drawn from, with its history (made once per run)."""

    def __init__(self, spec: RulesSpec, shoppers: int, seed: int) -> None:
        share = spec.abusive_share / len(BEHAVIOURS)
        population = generate_population(
            PopulationSpec(shoppers=max(2_000, shoppers), abusive_shares=dict.fromkeys(BEHAVIOURS, share)), seed
        )
        self.history = History(population.purchases, population.returns)
        self.requests = list(last_requests(population).values())
        """Each account's last return request in the population's final 30 days: who asks to return now."""
        self.rng = np.random.default_rng(seed + 7)

    def screen(self, spec: RulesSpec, categories: list[str], reasons: list[str]) -> list[Screened]:
        """The day's shoppers (their categories and reasons) as accounts of the base, under the rules."""
        if len(categories) > len(self.requests):
            raise ValidationError("rules", "more returns a day than the shopper base can screen")
        picks = self.rng.choice(len(self.requests), size=len(categories), replace=False)
        screened = []
        for pick, category, reason in zip(picks.tolist(), categories, reasons, strict=True):
            request = self.requests[pick]
            value = int(VALUE_MEDIAN_CENTS.get(category, 20_000) * self.rng.lognormal(0, 1.0))
            late = self.rng.random() < spec.late_share
            age = timedelta(days=float(self.rng.uniform(8, 30) if late else self.rng.uniform(0.5, 6.9)))
            flags = frozenset({str(self.rng.choice(STATUTORY_FLAGS))} if self.rng.random() < FLAGGED_SHARE else ())
            now = request.requested_at
            ruling = decide(spec.rules, Item(category, value, flags), reason, now - age, now)
            risk = assess(self.history, request.account, request.address, now, spec.rules.screening)
            screened.append(Screened(value, ruling.eligible, risk.action))
        return screened
