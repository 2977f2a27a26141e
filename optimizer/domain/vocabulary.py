"""The words of the returns domain that every layer shares: the slot grid, reason codes, categories.

The synthetic demand generator, the quoting rules, the service and the scenarios all read them here.
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.domain.model import TimeWindow
from optimizer.errors import ValidationError

CATEGORIES = ("apparel", "shoes", "electronics", "home", "bulky")
"""The product categories, in the order reports list them (a region's centers may name others)."""
QUALITY_REASONS = ("damaged", "defective", "not_as_described", "wrong_item")
"""Return reasons that are a quality problem: the merchant pays the way back."""
OTHER_REASONS = ("changed_mind", "size_or_fit", "arrived_late", "better_price")
"""Return reasons that are not a quality problem."""
REASON_CODES = ("quality", "not_quality", *QUALITY_REASONS, *OTHER_REASONS)
"""`quality` / `not_quality`, or a finer code that implies one of them."""
METHODS = ("pickup", "drop_off")
"""The ways a return comes back from the shopper: a courier at the door, or a drop-off point."""


@dataclass(frozen=True)
class SlotGrid:
    """Pickup slots of `length_s` from `opens_s` to `closes_s` (seconds from the day's midnight)."""

    opens_s: int = 9 * 3600
    closes_s: int = 21 * 3600
    length_s: int = 2 * 3600

    def __post_init__(self) -> None:
        if not 0 <= self.opens_s < self.closes_s <= 48 * 3600:
            raise ValidationError("closes_s", "slots must open before they close, within two days")
        if not 900 <= self.length_s <= self.closes_s - self.opens_s:
            raise ValidationError("length_s", "must be at least 15 minutes and fit between opening and closing")

    @property
    def slots(self) -> tuple[TimeWindow, ...]:
        """The windows of the grid, in order."""
        starts = range(self.opens_s, self.closes_s - self.length_s + 1, self.length_s)
        return tuple(TimeWindow(start, start + self.length_s) for start in starts)
