"""Return rules: which reasons count as a quality problem, and who pays for the way back.

The merchant pays when the item has a quality problem (damaged, defective, not as described,
wrong item). Otherwise, an insured order's shipping insurance pays up to its cap and the shopper
pays the rest; an uninsured shopper pays it all. Each merchant may have its own policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from optimizer.domain import MAX_AMOUNT, QUALITY_REASONS, REASON_CODES
from optimizer.errors import ValidationError


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

    def split(self, amount_cents: int, *, reason: str, insured: bool) -> tuple[tuple[Payer, int], ...]:
        """Who pays how much of `amount_cents`, largest share first."""
        if is_quality_problem(reason):
            return ((Payer.MERCHANT, amount_cents),)
        if insured:
            covered = min(amount_cents, self.insurance_cap_cents)
            shares = [(Payer.INSURER, covered), (Payer.CUSTOMER, amount_cents - covered)]
            return tuple(share for share in sorted(shares, key=lambda s: -s[1]) if share[1] > 0) or (
                (Payer.INSURER, 0),
            )
        return ((Payer.CUSTOMER, amount_cents),)


@dataclass(frozen=True)
class PolicyBook:
    """The default policy and per-merchant overrides."""

    default: ReturnPolicy = field(default_factory=ReturnPolicy)
    merchants: Mapping[str, ReturnPolicy] = field(default_factory=lambda: MappingProxyType({}))

    def for_merchant(self, merchant_id: str) -> ReturnPolicy:
        """The merchant's policy, or the default one."""
        return self.merchants.get(merchant_id, self.default)
