"""May this item come back, under which rule, and what evidence the ruling rests on.

Order of the rules (the first that applies decides, and is named in the ruling):
1. a quality problem is returnable within the merchant's quality window, whatever the flags;
2. an item with a statutory exclusion flag the merchant excludes is refused (the law allows it;
   a merchant may accept such items, then its window decides);
3. within the statutory 7 days every other item is returnable without a reason, whatever the
   merchant excludes, at no stricter condition than `complete`;
4. after that, the merchant's exclusions (categories, flags) refuse, and its window for the
   category decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from optimizer.errors import ValidationError
from optimizer.rules.ruleset import CONDITIONS, FLAGS, STATUTORY_DAYS, STATUTORY_FLAGS, RuleSet, is_quality_problem

VIDEO_OVER_CENTS = 100_000
"""Quality claims on items worth more than this also need a video (unboxing, or the fault shown working)."""
_QUALITY_EVIDENCE = {
    "damaged": ("photo_of_damage", "photo_of_outer_packaging"),
    "defective": ("photo_of_defect",),
    "not_as_described": ("photo_of_item", "photo_of_listing_difference"),
    "wrong_item": ("photo_of_item_received", "photo_of_shipping_label"),
    "quality": ("photo_of_defect",),
}
_CATEGORY_EVIDENCE = {
    ("electronics", True): ("photo_of_serial_number", "video_of_fault"),
    ("electronics", False): ("photo_of_seals_and_accessories",),
    ("apparel", False): ("photo_with_tags",),
    ("shoes", False): ("photo_of_soles",),
}
_STATUTORY_TEXT = {
    "customised": "made to the shopper's order (消费者定作的商品)",
    "perishable": "fresh or perishable (鲜活易腐的商品)",
    "digital": "downloaded or unsealed digital goods (在线下载或者消费者拆封的数字化商品)",
    "hygiene": "unsealed goods whose seal protects health or hygiene, confirmed at purchase",
}


@dataclass(frozen=True, slots=True)
class Item:
    """One item of the order being returned."""

    category: str
    value_cents: int
    flags: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = sorted(self.flags - set(FLAGS))
        if unknown:
            raise ValidationError("flags", f"must be among {', '.join(FLAGS)}, got {unknown[0]!r}")


@dataclass(frozen=True, slots=True)
class Ruling:
    """Whether the item may come back, the rule that decided (id and text), and what to show for it."""

    eligible: bool
    rule_id: str
    text: str
    statutory: bool
    """True when the statute decided (the 7-day floor or one of its exclusions)."""
    condition: str
    evidence_required: tuple[str, ...]


def evidence_for(rules: RuleSet, item: Item, reason: str) -> tuple[str, ...]:
    """Photos or video to ask for, by reason and category, then the merchant's additions for the category."""
    quality = is_quality_problem(reason)
    asked = list(_QUALITY_EVIDENCE.get(reason, ())) + list(_CATEGORY_EVIDENCE.get((item.category, quality), ()))
    if quality and item.value_cents > VIDEO_OVER_CENTS:
        asked.append("unboxing_video")
    asked += rules.evidence.get(item.category, ())
    return tuple(dict.fromkeys(asked))


def decide(rules: RuleSet, item: Item, reason: str, delivered_at: datetime, now: datetime) -> Ruling:
    """The ruling on returning `item` for `reason`, `now`, for an order delivered at `delivered_at`."""
    if delivered_at > now:
        raise ValidationError("order.delivered_at", "lies in the future")
    age = now - delivered_at
    evidence = evidence_for(rules, item, reason)

    def ruling(eligible: bool, rule_id: str, text: str, *, statutory: bool = False, loosest: bool = False) -> Ruling:
        condition = CONDITIONS[0] if loosest else rules.condition
        return Ruling(eligible, rule_id, text, statutory, condition, evidence if eligible else ())

    if is_quality_problem(reason):
        days = rules.quality_window_days
        inside = age <= timedelta(days=days)
        verb = "returnable" if inside else "no longer returnable"
        return ruling(inside, "quality.window", f"a quality problem is {verb} within {days} days of delivery")
    for flag in sorted(item.flags & rules.excluded_flags):
        text = f"no return without a quality problem: {_STATUTORY_TEXT[flag]}"
        return ruling(False, f"statutory.exclusion.{flag}", text, statutory=True)
    if age <= timedelta(days=STATUTORY_DAYS) and not item.flags & set(STATUTORY_FLAGS):
        text = f"七天无理由退货: returnable without a reason within {STATUTORY_DAYS} days of delivery"
        return ruling(True, "statutory.no_reason_7d", text, statutory=True, loosest=True)
    if item.category in rules.excluded_categories:
        text = f"{item.category} is returnable without a reason only within the statutory {STATUTORY_DAYS} days"
        return ruling(False, f"merchant.exclusion.category.{item.category}", text)
    days = rules.window_for(item.category)
    rule_id = f"merchant.window.{item.category}" if item.category in rules.category_window_days else "merchant.window"
    inside = age <= timedelta(days=days)
    verb = "returnable" if inside else "no longer returnable"
    return ruling(inside, rule_id, f"{item.category} is {verb} without a reason within {days} days of delivery")


def decide_all(
    rules: RuleSet, items: Sequence[Item], reason: str, delivered_at: datetime, now: datetime
) -> list[Ruling]:
    """The ruling on every item, in order (errors name `order.items[i]`)."""
    rulings = []
    for i, item in enumerate(items):
        try:
            rulings.append(decide(rules, item, reason, delivered_at, now))
        except ValidationError as error:
            raise error if error.field.startswith("order.") else error.within(f"order.items[{i}]") from None
    return rulings
