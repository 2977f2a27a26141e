"""A merchant's return rules: windows, exclusions, condition, who pays, 运费险 tables, keep-it, screening.

The statutory 7-day no-reason return (七天无理由退货, Consumer Rights Protection Law art. 25 and the
SAMR interim measures for online purchases) is the floor: a rule set whose no-reason window is
shorter is refused, and inside the first 7 days only the statutory exclusions refuse a return
(see `eligibility`). Quality problems have their own window (at least 7 days) whatever the flags.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from optimizer.domain import MAX_AMOUNT, QUALITY_REASONS, REASON_CODES
from optimizer.errors import ValidationError

STATUTORY_DAYS = 7
"""七天无理由退货: the no-reason window no merchant rule may shorten."""
STATUTORY_FLAGS: tuple[str, ...] = ("customised", "perishable", "digital", "hygiene")
"""The legal exclusions: made to order, fresh or perishable, downloaded or unsealed digital goods,
and goods whose seal protects health or hygiene once unsealed (confirmed by the shopper at purchase)."""
FLAGS = STATUTORY_FLAGS
"""The item flags an order may carry (the statutory exclusions are the only flags the law knows)."""
CONDITIONS = ("complete", "unused", "unused_with_tags")
"""Condition standards, loosest first. `complete`: intact with its parts, opened or tried only as far
as checking it needs; the statute asks no more than that within its 7 days."""
METHOD_TABLES = ("pickup", "drop_off")
MAX_DAYS = 365


class Payer(StrEnum):
    """Who pays a share of a return's way back."""

    MERCHANT = "merchant"
    INSURER = "insurer"
    CUSTOMER = "customer"


def is_quality_problem(reason: str) -> bool:
    """True for `quality` and the finer quality codes; an unknown code is an error naming `reason`."""
    if reason not in REASON_CODES:
        raise ValidationError("reason", f"must be one of {', '.join(REASON_CODES)}, got {reason!r}")
    return reason == "quality" or reason in QUALITY_REASONS


def _amount(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_AMOUNT:
        raise ValidationError(name, f"must be an integer within [0, {MAX_AMOUNT}], got {value!r}")
    return value


@dataclass(frozen=True)
class InsuranceTable:
    """What shipping insurance (运费险) pays for one way back: exactly one of a cap, a flat sum or distance bands.

    - `cap_cents`: the cost of the way back, up to the cap (the pickup-fee cap);
    - `flat_cents`: a fixed compensation whatever the cost (self-ship);
    - `bands`: `(up_to_km, cents)` ascending; the band of the parcel's road distance to its center
      pays (beyond the last band, the last band's sum).
    """

    cap_cents: int | None = None
    flat_cents: int | None = None
    bands: tuple[tuple[float, int], ...] = ()

    def __post_init__(self) -> None:
        kinds = [self.cap_cents is not None, self.flat_cents is not None, bool(self.bands)]
        if sum(kinds) != 1:
            raise ValidationError("", "give exactly one of cap_cents, flat_cents or bands")
        for name in ("cap_cents", "flat_cents"):
            if getattr(self, name) is not None:
                _amount(name, getattr(self, name))
        limits = [km for km, _ in self.bands]
        for i, (km, cents) in enumerate(self.bands):
            if not 0 < km <= 100_000 or (i and km <= limits[i - 1]):
                raise ValidationError(f"bands[{i}].up_to_km", "must be positive and ascending")
            _amount(f"bands[{i}].cents", cents)

    def payout(self, cost_cents: int, distance_m: int) -> int:
        """What the policy pays the shopper for a way back costing `cost_cents` over `distance_m`."""
        if self.cap_cents is not None:
            return min(cost_cents, self.cap_cents)
        if self.flat_cents is not None:
            return self.flat_cents
        return next((cents for km, cents in self.bands if distance_m <= km * 1000), self.bands[-1][1])


def _default_insurance() -> Mapping[str, InsuranceTable]:
    return MappingProxyType({m: InsuranceTable(cap_cents=1_200) for m in METHOD_TABLES})


@dataclass(frozen=True)
class Screening:
    """Risk scores at or above each threshold take that action (the highest one reached)."""

    inspect_at_door: float = 0.5
    route_to_inspection_center: float = 0.7
    manual_review: float = 0.9

    def __post_init__(self) -> None:
        values = (self.inspect_at_door, self.route_to_inspection_center, self.manual_review)
        if not all(0 < v <= 1 for v in values) or list(values) != sorted(values):
            raise ValidationError("screening", "thresholds must lie in (0, 1] and not decrease in order")

    def action(self, score: float) -> str:
        """`allow`, `inspect_at_door`, `route_to_inspection_center` or `manual_review` for a risk score."""
        for name in ("manual_review", "route_to_inspection_center", "inspect_at_door"):
            if score >= getattr(self, name):
                return name
        return "allow"


@dataclass(frozen=True)
class RuleSet:
    """One merchant's return rules (`version` counts the merchant's saved rule sets; 0 is the default)."""

    window_days: int = STATUTORY_DAYS
    """No-reason returns: days from delivery (at least the statutory 7)."""
    category_window_days: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    quality_window_days: int = 15
    """Returns for a quality problem: days from delivery, whatever the flags and exclusions."""
    excluded_categories: frozenset[str] = frozenset()
    """No no-reason return after the statutory 7 days."""
    excluded_flags: frozenset[str] = frozenset(STATUTORY_FLAGS)
    condition: str = "complete"
    payer_by_reason: Mapping[str, Payer] = field(default_factory=lambda: MappingProxyType({}))
    """Who pays the way back per reason code (or `quality` / `not_quality` for a whole class)."""
    insurance: Mapping[str, InsuranceTable] = field(default_factory=_default_insurance)
    keep_it_max_value_cents: int = 0
    """Refund without return only for items worth at most this much (0: never offered)."""
    evidence: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    """Evidence asked for on top of the defaults, per category."""
    screening: Screening = field(default_factory=Screening)
    version: int = 0

    def __post_init__(self) -> None:
        floor = f"is below the statutory {STATUTORY_DAYS}-day no-reason return (七天无理由退货)"
        for name, days in (("window_days", self.window_days), ("quality_window_days", self.quality_window_days)):
            if isinstance(days, bool) or not isinstance(days, int) or not STATUTORY_DAYS <= days <= MAX_DAYS:
                raise ValidationError(name, f"{days!r} {floor}" if isinstance(days, int) else "must be whole days")
        for category, days in self.category_window_days.items():
            if isinstance(days, bool) or not isinstance(days, int) or not STATUTORY_DAYS <= days <= MAX_DAYS:
                raise ValidationError(f"category_window_days.{category}", f"{days!r} {floor}")
        for flag in self.excluded_flags:
            if flag not in FLAGS:
                raise ValidationError("excluded_flags", f"must be among {', '.join(FLAGS)}, got {flag!r}")
        if self.condition not in CONDITIONS:
            raise ValidationError("condition", f"must be one of {', '.join(CONDITIONS)}, got {self.condition!r}")
        for reason, payer in self.payer_by_reason.items():
            if reason not in REASON_CODES:
                raise ValidationError(f"payer.{reason}", f"not a reason code ({', '.join(REASON_CODES)})")
            if payer not in (Payer.MERCHANT, Payer.CUSTOMER):
                raise ValidationError(f"payer.{reason}", "must be merchant or customer")
        for method in self.insurance:
            if method not in METHOD_TABLES:
                raise ValidationError(f"insurance.{method}", f"must be one of {', '.join(METHOD_TABLES)}")
        _amount("keep_it_max_value_cents", self.keep_it_max_value_cents)

    def window_for(self, category: str) -> int:
        """The no-reason window of a category, in days from delivery."""
        return self.category_window_days.get(category, self.window_days)

    def payer_for(self, reason: str) -> Payer:
        """Who pays the way back for `reason`: the reason's rule, its class's rule, else quality -> merchant."""
        quality = is_quality_problem(reason)
        klass = "quality" if quality else "not_quality"
        default = Payer.MERCHANT if quality else Payer.CUSTOMER
        return self.payer_by_reason.get(reason, self.payer_by_reason.get(klass, default))

    def split(
        self, amount_cents: int, *, reason: str, insured: bool, method: str = "pickup", distance_m: int = 0
    ) -> tuple[tuple[Payer, int], ...]:
        """Who pays how much of `amount_cents`, largest share first (the insurer only for an insured shopper)."""
        if self.payer_for(reason) is Payer.MERCHANT:
            return ((Payer.MERCHANT, amount_cents),)
        table = self.insurance.get(method)
        if not insured or table is None:
            return ((Payer.CUSTOMER, amount_cents),)
        covered = min(amount_cents, table.payout(amount_cents, distance_m))
        shares = [(Payer.INSURER, covered), (Payer.CUSTOMER, amount_cents - covered)]
        return tuple(share for share in sorted(shares, key=lambda s: -s[1]) if share[1] > 0) or ((Payer.INSURER, 0),)

    def insurance_payout(self, amount_cents: int, *, method: str, distance_m: int) -> int | None:
        """What 运费险 pays the shopper for this way back (a flat sum may exceed the cost); None without a table."""
        table = self.insurance.get(method)
        return None if table is None else table.payout(amount_cents, distance_m)
