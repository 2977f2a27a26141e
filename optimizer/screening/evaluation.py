"""Precision, recall and the honest false-positive rate of the detector on a population.

Each account that asks for a return in the last `window_days` of the horizon is screened once, at
its last such request, on the history before it; flagged means any action other than `allow`. An
account counts as abusive when the population planted a behaviour on it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from optimizer.rules.ruleset import Screening
from optimizer.screening.detector import RiskAssessment, assess
from optimizer.screening.history import History
from optimizer.screening.population import Population, last_requests


@dataclass(frozen=True)
class Scores:
    """How the detector did: counts, rates, and recall per planted behaviour."""

    screened: int
    abusive: int
    flagged: int
    true_positives: int
    recall_by_behaviour: dict[str, float]
    signals_of_false_positives: dict[str, int]

    @property
    def precision(self) -> float:
        """Share of flagged accounts that were abusive (1 when nothing was flagged)."""
        return self.true_positives / self.flagged if self.flagged else 1.0

    @property
    def recall(self) -> float:
        """Share of abusive accounts flagged."""
        return self.true_positives / self.abusive if self.abusive else 1.0

    @property
    def honest_fpr(self) -> float:
        """Share of honest accounts flagged."""
        honest = self.screened - self.abusive
        return (self.flagged - self.true_positives) / honest if honest else 0.0


Screener = Callable[[History, str, str, datetime], RiskAssessment]
"""Screens a return request: (history, account, address, when) -> the assessment."""


def detector(thresholds: Screening) -> Screener:
    """Backhaul's detector at the given thresholds."""
    return lambda history, account, address, now: assess(history, account, address, now, thresholds)


def evaluate(population: Population, screen: Screener, window_days: int = 30) -> Scores:
    """Screen every account with a return request late in the horizon, and score the flags against the labels."""
    history = History(population.purchases, population.returns)
    last = last_requests(population, window_days)
    found, planted = Counter[str](), Counter[str]()
    flagged = true_positives = 0
    false_signals = Counter[str]()
    for account, item in last.items():
        behaviour = population.labels.get(account)
        risk = screen(history, account, item.address, item.requested_at)
        hit = risk.action != "allow"
        flagged += hit
        if behaviour is not None:
            planted[behaviour] += 1
            found[behaviour] += hit
            true_positives += hit
        elif hit:
            false_signals.update(s.name for s in risk.signals[:2])
    return Scores(
        screened=len(last),
        abusive=sum(planted.values()),
        flagged=flagged,
        true_positives=true_positives,
        recall_by_behaviour={b: found[b] / planted[b] for b in sorted(planted)},
        signals_of_false_positives=dict(false_signals.most_common()),
    )
