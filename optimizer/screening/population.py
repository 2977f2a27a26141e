"""A synthetic shopper population with planted abusive behaviours, for measuring the detector.

Honest shoppers live alone or in households of up to four accounts at one address (some also
use an office address); they buy at their own pace, return apparel and shoes far more often than
the rest, and some of them ("bracketers") order several sizes and send most back: honest, but a
high return rate. Their quality claims follow the category's true defect rates, and inspection
finds most claimed faults.

Planted behaviours (documented; `labels` says who, and the detector never reads it):
- `serial_returner`: buys three times as much as others and returns about three quarters of it;
- `wardrober`: every week or two buys valuable apparel delivered just before a weekend or holiday,
  wears it, and sends it back on the first working days after (graded worn, B or C, 80 %);
- `account_ring`: one person with 4 to 8 accounts at one address, each returning half its orders;
- `false_claimer`: returns twice as often as others and claims a quality problem on 85 % of
  returns; inspection finds no fault in 70 % of the false claims.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import numpy as np

from optimizer.domain import CATEGORIES, OTHER_REASONS, QUALITY_REASONS
from optimizer.screening.history import PastReturn, Purchase

BEHAVIOURS = ("serial_returner", "wardrober", "account_ring", "false_claimer")
_VALUE_MEDIAN = dict(zip(CATEGORIES, (15_000, 30_000, 80_000, 20_000, 150_000), strict=True))
_CATEGORY_SHARE = (0.40, 0.15, 0.12, 0.23, 0.10)
_RETURN_P = dict(zip(CATEGORIES, (0.25, 0.18, 0.08, 0.08, 0.05), strict=True))
_DEFECT_P = dict(zip(CATEGORIES, (0.12, 0.12, 0.25, 0.15, 0.2), strict=True))
_GRADES = ("A", "B", "C", "D")
_HONEST_GRADES = {False: (0.75, 0.2, 0.05, 0.0), True: (0.15, 0.35, 0.35, 0.15)}


@dataclass(frozen=True)
class PopulationSpec:
    """How many shoppers, over which days, and what share of them plants each behaviour."""

    shoppers: int = 10_000
    start: datetime = datetime(2026, 1, 5, tzinfo=UTC)
    days: int = 180
    abusive_shares: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType(
            {"serial_returner": 0.012, "wardrober": 0.012, "account_ring": 0.006, "false_claimer": 0.012}
        )
    )


@dataclass(frozen=True)
class Population:
    """What the platform observed, and (apart) who was planted as abusive (account -> behaviour)."""

    purchases: list[Purchase]
    returns: list[PastReturn]
    labels: dict[str, str]


class _Maker:
    def __init__(self, spec: PopulationSpec, seed: int) -> None:
        self.spec, self.rng = spec, np.random.default_rng(seed)
        self.purchases: list[Purchase] = []
        self.returns: list[PastReturn] = []
        self.labels: dict[str, str] = {}

    def when(self) -> datetime:
        return self.spec.start + timedelta(days=float(self.rng.uniform(0, self.spec.days)))

    def value(self, category: str, scale: float = 1.0) -> int:
        return int(_VALUE_MEDIAN[category] * scale * self.rng.lognormal(0, 0.6))

    def category(self) -> str:
        return str(self.rng.choice(CATEGORIES, p=_CATEGORY_SHARE))

    def give_back(
        self, account: str, address: str, purchase: Purchase, *, quality: bool, grades: tuple[float, ...], delay: float
    ) -> None:
        reasons = QUALITY_REASONS if quality else OTHER_REASONS
        requested = purchase.delivered_at + timedelta(days=delay)
        grade = str(self.rng.choice(_GRADES, p=grades))
        self.returns.append(
            PastReturn(
                account,
                address,
                purchase.category,
                purchase.value_cents,
                str(self.rng.choice(reasons)),
                purchase.delivered_at,
                requested,
                grade,
                requested + timedelta(days=float(self.rng.uniform(2, 5))),
            )
        )

    def shop(self, account: str, address: str, per_month: float, return_scale: float, behaviour: str | None) -> None:
        """An account's orders over the horizon, and the returns it sends back."""
        for _ in range(int(self.rng.poisson(per_month * self.spec.days / 30))):
            category = self.category()
            purchase = Purchase(account, address, category, self.value(category), self.when())
            self.purchases.append(purchase)
            defect = self.rng.random() < _DEFECT_P[category] * 0.3
            p_return = min(0.95, _RETURN_P[category] * return_scale)
            if not defect and self.rng.random() >= p_return:
                continue
            claim = defect or (behaviour == "false_claimer" and self.rng.random() < 0.85)
            grades = (0.7, 0.2, 0.1, 0.0) if claim and not defect else _HONEST_GRADES[claim]
            self.give_back(account, address, purchase, quality=claim, grades=grades, delay=self.delay())

    def delay(self) -> float:
        return float(min(6.9, 0.3 + self.rng.gamma(2.0, 1.1)))

    def wardrobe(self, account: str, address: str) -> None:
        """Valuable apparel delivered on a Thursday or Friday, sent back on the Monday or Tuesday after."""
        day = self.spec.start + timedelta(days=float(self.rng.uniform(0, 10)))
        while day < self.spec.start + timedelta(days=self.spec.days):
            delivered = day + timedelta(days=(3 - day.weekday()) % 7 + int(self.rng.integers(0, 2)))
            category = "apparel" if self.rng.random() < 0.8 else "shoes"
            purchase = Purchase(account, address, category, max(40_000, self.value(category, 3.0)), delivered)
            self.purchases.append(purchase)
            back = (7 - delivered.weekday()) % 7 + int(self.rng.integers(0, 2)) + float(self.rng.uniform(0.1, 0.6))
            worn = (0.2, 0.5, 0.3, 0.0) if self.rng.random() < 0.8 else _HONEST_GRADES[False]
            self.give_back(account, address, purchase, quality=False, grades=worn, delay=back)
            day += timedelta(days=float(self.rng.uniform(6, 16)))


def generate_population(spec: PopulationSpec, seed: int) -> Population:
    """The population's observed purchases and returns, and the labels of the planted abusers."""
    maker, rng = _Maker(spec, seed), np.random.default_rng(seed + 1)
    shares = [spec.abusive_shares.get(b, 0.0) for b in BEHAVIOURS]
    kinds = rng.choice([*BEHAVIOURS, "honest"], size=spec.shoppers, p=[*shares, 1 - sum(shares)])
    address = 0
    household: list[int] = []
    for person, kind in enumerate(kinds):
        behaviour = None if kind == "honest" else str(kind)
        if not household:  # honest households of 1-4 accounts share one address
            household = [int(rng.choice([1, 2, 3, 4], p=[0.6, 0.3, 0.08, 0.02]))]
            address += 1
        household[0] -= 1
        home = f"addr-{address}" if behaviour != "account_ring" else f"ring-{person}"
        accounts = (
            [f"acct-{person}"]
            if behaviour != "account_ring"
            else [f"acct-{person}-{k}" for k in range(int(rng.integers(4, 9)))]
        )
        per_month = float(np.clip(rng.lognormal(np.log(3.0), 0.6), 0.3, 25))
        return_scale = float(rng.lognormal(0, 0.3)) * (2.0 if rng.random() < 0.08 else 1.0)  # bracketers
        if behaviour == "serial_returner":
            per_month, return_scale = per_month * 3, 8.0
        elif behaviour == "account_ring":
            per_month, return_scale = max(per_month, 2.0), 3.5
        elif behaviour == "false_claimer":
            return_scale = 2.0
        for account in accounts:
            places = [home] + ([f"office-{person}"] if rng.random() < 0.1 else [])
            for place in places:
                maker.shop(account, place, per_month / len(places), return_scale, behaviour)
            if behaviour == "wardrober":
                maker.wardrobe(account, home)
            if behaviour is not None:
                maker.labels[account] = behaviour
        if household[0] <= 0:
            household = []
    return Population(maker.purchases, maker.returns, maker.labels)


def last_requests(population: Population, window_days: int = 30) -> dict[str, PastReturn]:
    """Each account's last return request in the final `window_days` of the horizon: who asks to return now."""
    end = max(r.requested_at for r in population.returns)
    last = {}
    for item in sorted(population.returns, key=lambda r: r.requested_at):
        if item.requested_at >= end - timedelta(days=window_days):
            last[item.account] = item
    return last
