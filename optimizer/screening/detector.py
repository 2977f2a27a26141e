"""Abuse screening: a risk score in [0, 1] from a shopper's observable history, with the signals behind it.

The shopper is the account and every account linked to it by an address (a household, or one
person's many accounts). Each signal is a strength in [0, 1] (a ramp between a level that is
ordinary and one that is not) times a weight; the score is `1 - prod(1 - weight * strength)`, so
one strong signal or several moderate ones raise it. The action follows the merchant's thresholds
(`rules.Screening`). A flag never refuses a return: it adds inspection (see `eligibility`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median

from optimizer.rules.ruleset import Screening
from optimizer.screening.history import History, PastReturn

HOLIDAYS = frozenset(
    date(2026, m, d)
    for m, d in [(1, 1), (1, 2), (5, 1), (5, 2), (5, 3), (5, 4), (5, 5), (6, 19), (9, 25)]
    + [(10, d) for d in range(1, 8)]
    + [(2, d) for d in range(16, 23)]
    + [(4, 4), (4, 5), (4, 6)]
)
"""China's 2026 public holidays (State Council schedule), besides weekends."""
WARDROBE_CATEGORIES = ("apparel", "shoes")
WARDROBE_MIN_CENTS = 30_000
WORN_GRADES = ("B", "C")
WEIGHTS = {
    "returns_30d": 0.2,
    "returns_90d": 0.2,
    "return_rate": 0.75,
    "value_returned_90d": 0.2,
    "days_to_return": 0.1,
    "accounts_at_address": 0.6,
    "wardrobing": 0.75,
    "quality_claims": 0.75,
}
"""How much each signal at full strength adds to the score (tuned on a tuning population, see benchmarks/abuse.py)."""


@dataclass(frozen=True, slots=True)
class Signal:
    """One named reason for the score: what was observed, how strong it is, what it adds."""

    name: str
    observed: float
    strength: float
    text: str


@dataclass(frozen=True, slots=True)
class RiskAssessment:
    """The risk score, its signals (strongest first, only those that count) and the action it takes."""

    score: float
    signals: tuple[Signal, ...]
    action: str


def _ramp(value: float, ordinary: float, abnormal: float) -> float:
    return min(1.0, max(0.0, (value - ordinary) / (abnormal - ordinary)))


def _working(day: date) -> bool:
    return day.weekday() < 5 and day not in HOLIDAYS


def worn_once_pattern(item: PastReturn) -> bool:
    """Valuable apparel or shoes delivered before days off and sent back on the first working days after them."""
    if item.category not in WARDROBE_CATEGORIES or item.value_cents < WARDROBE_MIN_CENTS or item.quality_claim:
        return False
    delivered, requested = item.delivered_at.date(), item.requested_at.date()
    days = (requested - delivered).days
    between = [delivered + timedelta(days=k) for k in range(1, days)]
    return 2 <= days <= 6 and _working(requested) and any(not _working(d) for d in between)


def assess(history: History, account: str, address: str, now: datetime, thresholds: Screening) -> RiskAssessment:
    """Screen a return requested `now` by `account` at `address`, on the history before `now`.

    Behaviour signals read the account's own history (a housemate's habits are not the shopper's);
    the address signal reads every account linked to it, with their returns together.
    """
    d30, d90, d180 = (now - timedelta(days=days) for days in (30, 90, 180))
    own = [r for r in history.returns_of.get(account, ()) if d180 <= r.requested_at < now]
    returns = [r for r in own if r.requested_at >= d90]
    bought = sum(1 for p in history.purchases_of.get(account, ()) if d180 <= p.delivered_at < now)
    recent = sum(1 for r in returns if r.requested_at >= d30)
    rate = (len(own) + 1) / (bought + 5)
    value = sum(r.value_cents for r in returns)
    delays = [(r.requested_at - r.delivered_at).total_seconds() / 86400 for r in returns]
    late = median(delays) if len(delays) >= 3 else 0.0
    linked = history.linked_accounts(account, address, now)
    accounts = len(linked)
    together = sum(1 for a in linked for r in history.returns_of.get(a, ()) if d90 <= r.requested_at < now)
    bought_together = sum(1 for a in linked for p in history.purchases_of.get(a, ()) if d90 <= p.delivered_at < now)
    together_rate = (together + 1) / (bought_together + 5)
    pattern = [r for r in own if worn_once_pattern(r)]
    worn = sum(1 for r in pattern if r.grade_known(now) in WORN_GRADES)
    claims = [r for r in own if r.quality_claim]
    expected = sum(history.quality_norm.get(r.category, 0.2) for r in own)
    excess = (len(claims) - expected) / math.sqrt(expected + 1)
    no_fault = sum(1 for r in claims if r.grade_known(now) == "A")
    measured = [
        Signal("returns_30d", recent, _ramp(recent, 5, 12), f"{recent} returns in 30 days"),
        Signal("returns_90d", len(returns), _ramp(len(returns), 12, 30), f"{len(returns)} returns in 90 days"),
        Signal(
            "return_rate",
            rate,
            _ramp(rate, 0.5, 0.7) * _ramp(bought, 6, 15),
            f"{rate:.0%} of {bought} orders returned in 180 days",
        ),
        Signal("value_returned_90d", value, _ramp(value, 400_000, 1_500_000), f"{value / 100:.0f} returned in 90 days"),
        Signal("days_to_return", late, _ramp(late, 4.5, 6.5), f"returned {late:.1f} days after delivery (median)"),
        Signal(
            "accounts_at_address",
            accounts,
            _ramp(accounts, 2.5, 4) * _ramp(together, 8, 15) * _ramp(together_rate, 0.35, 0.5),
            f"{accounts} accounts linked by the address returned {together} of {bought_together} orders in 90 days",
        ),
        Signal(
            "wardrobing",
            worn,
            max(_ramp(worn, 1, 3), 0.5 * _ramp(len(pattern), 4, 8)),
            f"{len(pattern)} valuable apparel returns right after days off in 180 days, {worn} graded worn",
        ),
        Signal(
            "quality_claims",
            len(claims),
            max(_ramp(excess, 1.2, 3), _ramp(no_fault, 1.5, 3) * _ramp(no_fault / max(1, len(claims)), 0.25, 0.5)),
            f"{len(claims)} quality claims in 180 days against {expected:.1f} expected, {no_fault} with no fault found",
        ),
    ]
    signals = tuple(sorted((s for s in measured if s.strength > 0), key=lambda s: -WEIGHTS[s.name] * s.strength))
    score = 1.0 - math.prod(1.0 - WEIGHTS[s.name] * s.strength for s in signals)
    return RiskAssessment(round(score, 4), signals, thresholds.action(score))
