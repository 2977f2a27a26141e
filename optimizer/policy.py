"""A merchant's prices for the way back (fees, currency, the default insurance cap).

Who pays and what may come back are the merchant's rules (`optimizer.rules`); a merchant without
saved rules gets `ReturnPolicy.rules()`: the merchant pays for quality problems, otherwise an
insured shopper's shipping insurance pays up to the cap and the shopper the rest.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from optimizer.domain import MAX_AMOUNT
from optimizer.errors import ValidationError
from optimizer.rules.ruleset import METHOD_TABLES, InsuranceTable, RuleSet


@functools.cache
def _default_rules(insurance_cap_cents: int) -> RuleSet:
    """Built once per cap: every quote of a merchant without saved rules asks for it."""
    return RuleSet(insurance={m: InsuranceTable(cap_cents=insurance_cap_cents) for m in METHOD_TABLES})


@dataclass(frozen=True)
class ReturnPolicy:
    """One merchant's prices and rules for the way back."""

    pickup_fee_cents: int = 600
    """Charged for a doorstep pickup on top of what the pickup adds to the couriers' routes."""
    drop_off_fee_cents: int = 200
    insurance_cap_cents: int = 1_200
    """The most a shipping-insurance policy pays for one return's way back."""
    currency: str = "CNY"

    def __post_init__(self) -> None:
        if not (isinstance(self.currency, str) and len(self.currency) == 3 and self.currency.isupper()):
            raise ValidationError("currency", f"must be an ISO 4217 code such as CNY, got {self.currency!r}")
        for name in ("pickup_fee_cents", "drop_off_fee_cents", "insurance_cap_cents"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_AMOUNT:
                raise ValidationError(name, f"must be an integer within [0, {MAX_AMOUNT}], got {value!r}")

    def rules(self) -> RuleSet:
        """The rule set of a merchant who saved none: the statutory floor, 运费险 capped at `insurance_cap_cents`."""
        return _default_rules(self.insurance_cap_cents)


@dataclass(frozen=True)
class PolicyBook:
    """The default policy and per-merchant overrides."""

    default: ReturnPolicy = field(default_factory=ReturnPolicy)
    merchants: Mapping[str, ReturnPolicy] = field(default_factory=lambda: MappingProxyType({}))

    def for_merchant(self, merchant_id: str) -> ReturnPolicy:
        """The merchant's policy, or the default one."""
        return self.merchants.get(merchant_id, self.default)
