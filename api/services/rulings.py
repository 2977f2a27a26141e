"""The per-item answer of a quote: eligibility with the rule that decided, evidence, and keep-it."""

from __future__ import annotations

from collections.abc import Sequence

from api.schemas import DecidedBy, ItemIn, ItemRuling, KeepItPublic
from optimizer.assignment.center_days import CenterDayOption
from optimizer.rules import Item, ItemEconomics, RuleSet, Ruling, keep_it, may_keep


def domain_items(items: Sequence[ItemIn]) -> list[Item]:
    """The order's items as the rules read them."""
    return [Item(i.category, i.value_cents, frozenset(i.flags)) for i in items]


def item_rulings(
    rules: RuleSet,
    items: Sequence[Item],
    rulings: Sequence[Ruling],
    reason: str,
    category: str,
    way_back: tuple[int, CenterDayOption] | None,
    *,
    screened_clear: bool,
) -> list[ItemRuling]:
    """Each item's ruling, and keep-it for the eligible ones when a way back (its cost and center) exists.

    Processing is priced at the way back's center for the item's category (the center processes
    the return's category; an item of another category is priced at that center's rate for it if
    it has one, else at the return's).
    """
    eligible = [i for i, r in enumerate(rulings) if r.eligible]
    kept = {}
    if way_back is not None and eligible:
        cost, place = way_back
        terms = place.center.categories
        fallback = terms.get(category) or next(iter(terms.values()))
        economics = [
            ItemEconomics(
                items[i].value_cents,
                terms.get(items[i].category, fallback).cost_cents,
                may_keep(rules, items[i].value_cents, screened_clear),
            )
            for i in eligible
        ]
        for i, answer in zip(eligible, keep_it(economics, reason, cost), strict=True):
            kept[i] = KeepItPublic(
                offered=answer.offered,
                refund_cents=answer.refund_cents,
                expected_recovery_cents=answer.expected_recovery_cents,
                processing_cents=answer.processing_cents,
                return_cost_cents=cost,
            )
    return [
        ItemRuling(
            category=item.category,
            eligible=ruling.eligible,
            decided_by=DecidedBy(rule_id=ruling.rule_id, text=ruling.text, statutory=ruling.statutory),
            condition=ruling.condition,
            evidence_required=list(ruling.evidence_required),
            keep_it=kept.get(i),
        )
        for i, (item, ruling) in enumerate(zip(items, rulings, strict=True))
    ]
