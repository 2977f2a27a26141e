"""Refund without return: offered exactly when bringing the items back costs more than they recover.

Bringing a return back costs its way back once (`transport_cents`: the cheapest way back and its line
haul) and each item's processing at its center; it recovers each item's expected resale value,
the item's value times the expected recovery of the grade it will get (a quality claim grades
lower). Keeping an item saves its processing and loses its recovery; keeping every item that
would come back also saves the way back. The choice below is the cheapest of all those subsets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from optimizer.rules.ruleset import RuleSet, is_quality_problem

GRADE_RECOVERY = {"A": 0.85, "B": 0.55, "C": 0.25, "D": 0.0}
"""Share of an item's value its resale realises, per inspection grade (A: as new; D: recycled)."""
GRADE_MIX = {
    False: {"A": 0.70, "B": 0.20, "C": 0.07, "D": 0.03},
    True: {"A": 0.10, "B": 0.30, "C": 0.35, "D": 0.25},
}
"""Expected grades of a return without (False) and with (True) a quality problem."""


def expected_recovery_cents(value_cents: int, reason: str) -> int:
    """What reselling a returned item is expected to realise, over the grades it may get."""
    mix = GRADE_MIX[is_quality_problem(reason)]
    return round(value_cents * sum(share * GRADE_RECOVERY[grade] for grade, share in mix.items()))


@dataclass(frozen=True, slots=True)
class ItemEconomics:
    """One eligible item: its value, what processing it costs, and whether keep-it may be offered at all."""

    value_cents: int
    processing_cents: int
    may_keep: bool
    """False when the merchant's threshold, or a risk screening, rules keep-it out for this item."""


@dataclass(frozen=True, slots=True)
class KeepIt:
    """The keep-it answer for one item: offered or not, with the figures it rests on."""

    offered: bool
    refund_cents: int
    expected_recovery_cents: int
    processing_cents: int


def may_keep(rules: RuleSet, value_cents: int, screened_clear: bool) -> bool:
    """Keep-it is for items within the merchant's value threshold, for shoppers whose screening allows them."""
    return screened_clear and value_cents <= rules.keep_it_max_value_cents


def keep_it(items: Sequence[ItemEconomics], reason: str, transport_cents: int) -> list[KeepIt]:
    """For each item, in order, whether refunding it without return is cheaper than bringing it back."""
    recovery = [expected_recovery_cents(item.value_cents, reason) for item in items]
    net = [r - item.processing_cents for r, item in zip(recovery, items, strict=True)]
    losing = {i for i, item in enumerate(items) if item.may_keep and net[i] < 0}
    rest = [i for i in range(len(items)) if i not in losing]
    shipment_goes_anyway = any(not items[i].may_keep for i in rest)
    if rest and not shipment_goes_anyway and transport_cents > sum(net[i] for i in rest):
        losing.update(rest)
    return [KeepIt(i in losing, item.value_cents, recovery[i], item.processing_cents) for i, item in enumerate(items)]
