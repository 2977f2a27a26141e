"""Keep-it is offered exactly when refunding without return is cheaper than bringing the items back."""

from __future__ import annotations

from itertools import combinations

from hypothesis import given, settings, strategies as st

from optimizer.rules import ItemEconomics, RuleSet, expected_recovery_cents, keep_it, may_keep

ITEMS = st.lists(
    st.builds(ItemEconomics, st.integers(0, 50_000), st.integers(0, 3_000), st.booleans()), min_size=1, max_size=5
)


def _cost(items: list[ItemEconomics], kept: set[int], reason: str, transport: int) -> int:
    """What the return costs when the items in `kept` are refunded without return: the way back if anything
    comes back, and each returned item's processing less its recovery."""
    back = [i for i in range(len(items)) if i not in kept]
    return (transport if back else 0) + sum(
        items[i].processing_cents - expected_recovery_cents(items[i].value_cents, reason) for i in back
    )


@settings(max_examples=300, deadline=None)
@given(ITEMS, st.sampled_from(["changed_mind", "defective"]), st.integers(0, 5_000))
def test_keep_it_is_the_cheapest_choice_and_never_offered_without_a_saving(
    items: list[ItemEconomics], reason: str, transport: int
) -> None:
    offered = {i for i, k in enumerate(keep_it(items, reason, transport)) if k.offered}
    keepable = [i for i, item in enumerate(items) if item.may_keep]
    best = min(
        _cost(items, set(c), reason, transport) for r in range(len(keepable) + 1) for c in combinations(keepable, r)
    )
    assert offered <= set(keepable)
    assert _cost(items, offered, reason, transport) == best
    if offered:  # strictly cheaper than bringing everything back
        assert best < _cost(items, set(), reason, transport)


def test_a_cheap_item_far_away_is_kept_and_a_valuable_one_comes_back() -> None:
    cheap, valuable = ItemEconomics(1_500, 300, True), ItemEconomics(40_000, 300, True)
    assert [k.offered for k in keep_it([cheap], "changed_mind", 1_200)] == [True]
    assert [k.offered for k in keep_it([valuable], "changed_mind", 1_200)] == [False]
    # the valuable item brings the shipment back anyway: the cheap one then saves only its processing
    assert [k.offered for k in keep_it([cheap, valuable], "changed_mind", 1_200)] == [False, False]


def test_keep_it_needs_the_merchant_threshold_and_a_clear_screening() -> None:
    rules = RuleSet(keep_it_max_value_cents=2_000)
    assert may_keep(rules, 2_000, screened_clear=True)
    assert not may_keep(rules, 2_001, screened_clear=True)
    assert not may_keep(rules, 100, screened_clear=False)
    assert not may_keep(RuleSet(), 1, screened_clear=True)  # the default never offers it
