"""What a platform can observe about shoppers: deliveries, returns, and what inspection found.

Accounts and addresses are opaque keys. A return is known from the moment it is requested; its
inspection grade only once the center reports it. Nothing here says who is honest: the detector
reads only this.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from optimizer.rules.ruleset import is_quality_problem


@dataclass(frozen=True, slots=True)
class Purchase:
    """One delivered order line."""

    account: str
    address: str
    category: str
    value_cents: int
    delivered_at: datetime


@dataclass(frozen=True, slots=True)
class PastReturn:
    """One return: what, why, when relative to its delivery, and (once inspected) the grade it got."""

    account: str
    address: str
    category: str
    value_cents: int
    reason: str
    delivered_at: datetime
    requested_at: datetime
    grade: str | None = None
    inspected_at: datetime | None = None

    @property
    def quality_claim(self) -> bool:
        """The shopper said the item had a quality problem."""
        return is_quality_problem(self.reason)

    def grade_known(self, now: datetime) -> str | None:
        """The inspection grade as known at `now` (None before the center reported it)."""
        return self.grade if self.inspected_at is not None and self.inspected_at <= now else None


def claims_norm(claims: Mapping[str, Sequence[int]]) -> dict[str, float]:
    """Per category, the share of returns claimed as a quality problem from (claims, returns), smoothed."""
    return {category: (q + 1) / (n + 10) for category, (q, n) in claims.items()}


class History:
    """Every observed purchase and return, indexed by account and by address."""

    def __init__(
        self,
        purchases: Iterable[Purchase],
        returns: Iterable[PastReturn],
        quality_norm: Mapping[str, float] | None = None,
    ) -> None:
        """Index the records, with the platform's share of quality claims per category.

        `quality_norm` defaults to the share in `returns` themselves: right only when they are every shopper's.
        """
        self.purchases_of: dict[str, list[Purchase]] = defaultdict(list)
        self.returns_of: dict[str, list[PastReturn]] = defaultdict(list)
        self.accounts_at: dict[str, set[str]] = defaultdict(set)
        self.addresses_of: dict[str, set[str]] = defaultdict(set)
        self._first_seen: dict[tuple[str, str], datetime] = {}
        claims: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for purchase in purchases:
            self.purchases_of[purchase.account].append(purchase)
            self._seen(purchase.account, purchase.address, purchase.delivered_at)
        for item in returns:
            self.returns_of[item.account].append(item)
            self._seen(item.account, item.address, item.requested_at)
            claims[item.category][0] += item.quality_claim
            claims[item.category][1] += 1
        self.quality_norm = dict(quality_norm) if quality_norm is not None else claims_norm(claims)
        """Share of returns claimed as a quality problem, per category, over every shopper (smoothed)."""

    def _seen(self, account: str, address: str, at: datetime) -> None:
        self.accounts_at[address].add(account)
        self.addresses_of[account].add(address)
        key = (address, account)
        self._first_seen[key] = min(at, self._first_seen.get(key, at))

    def accounts_seen_at(self, address: str, now: datetime) -> set[str]:
        """Accounts seen at `address` (a delivery or a return) before `now`."""
        return {a for a in self.accounts_at.get(address, ()) if self._first_seen[address, a] < now}

    def linked_accounts(self, account: str, address: str, now: datetime) -> set[str]:
        """The account, and every account seen before `now` at `address` or at an address the account used."""
        places = {address} | {p for p in self.addresses_of.get(account, ()) if self._first_seen[p, account] < now}
        linked = {account}
        for place in places:
            linked |= self.accounts_seen_at(place, now)
        return linked
