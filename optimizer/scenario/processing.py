"""Where and when each collected return is processed, day after day, with the centers' backlog carried over.

Both designs see the same centers, the same capacities (per date, in total and per category line),
the same processing lag and the same cost model: line haul, processing, minus the recovered value,
plus `delay_cents_per_day` for every day a return waits after its earliest processing date. There
is no flat penalty: a return no center can take is reported as not processed, and cost per
processed return divides by the returns that were.

- `OptimalProcessing` (Backhaul): each evening the day's returns go to center-days by the min-cost
  flow over what is left (`center_day_problem`), deciding as the live service does (a day's wait
  priced at the delay plus the hold, `center_days.DEFAULT_HOLD_CENTS_PER_DAY`).
- `NearestWithRoom` (today's practice, fixed by issue 11): each return goes to the nearest capable
  center with room that day, otherwise to the next-nearest with room; otherwise it waits in the
  queue at its nearest capable center, first come first served before that day's new arrivals.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from optimizer.assignment.center_days import PROCESSING_LAG_DAYS, TOTAL, CenterCapacity, center_day_problem
from optimizer.assignment.problem import AssignmentProblem
from optimizer.assignment.solver import assign
from optimizer.domain import ProcessingCenter

IntArray = npt.NDArray[np.int64]
DRAIN_LIMIT_DAYS = 366
"""Today's practice waits as long as it takes; a return still queued after a year counts as not processed."""


@dataclass(frozen=True, eq=False)
class Batch:
    """One collection day's returns (at their depots and drop-off points) and where each was processed."""

    collected: date
    problem: AssignmentProblem
    center_of: IntArray
    """Index into `problem.centers`; -1: not processed."""
    day_of: list[date | None]

    @property
    def first(self) -> date:
        """The earliest processing date of every return in the batch."""
        return self.collected + timedelta(days=PROCESSING_LAG_DAYS)

    def last_day(self) -> date:
        """The last processing date of the batch (its collection date when nothing was processed)."""
        return max((d for d in self.day_of if d is not None), default=self.collected)

    def waits(self) -> IntArray:
        """Days each processed return waited after its earliest date (processed ones only, in order)."""
        return np.array([(d - self.first).days for d in self.day_of if d is not None], dtype=np.int64)


@dataclass
class Ledger:
    """What each center processed on each date, in total and per category line, against its capacity."""

    capacity: CenterCapacity
    used: Counter[tuple[str, date, str]] = field(default_factory=Counter)

    def has_room(self, center: ProcessingCenter, category: str, day: date) -> bool:
        """True when the center takes one more return of `category` that day."""
        line = self.capacity.limit(center, category, day)
        return self.used[center.id, day, TOTAL] < (self.capacity.limit(center, TOTAL, day) or 0) and (
            line is None or self.used[center.id, day, category] < line
        )

    def take(self, center: ProcessingCenter, category: str, day: date) -> None:
        """Count one return of `category` processed there that day."""
        self.used[center.id, day, TOTAL] += 1
        self.used[center.id, day, category] += 1


def _empty(collected: date, problem: AssignmentProblem) -> Batch:
    n = len(problem.returns)
    return Batch(collected, problem, np.full(n, -1, dtype=np.int64), [None] * n)


class OptimalProcessing:
    """Backhaul: each day's returns to center-days by the min-cost flow over the room left."""

    def __init__(self, capacity: CenterCapacity, wait_cents_per_day: int, horizon_days: int) -> None:
        self.ledger = Ledger(capacity)
        self.wait_cents_per_day = wait_cents_per_day
        self.horizon_days = horizon_days
        self.batches: list[Batch] = []

    def add(self, problem: AssignmentProblem, collected: date) -> None:
        """Reserve a center-day for each of the day's returns (within the horizon, cheapest in total)."""
        batch = _empty(collected, problem)
        self.batches.append(batch)
        if not len(problem.returns):
            return
        first = [batch.first] * len(problem.returns)
        columns_problem, columns = center_day_problem(
            problem, self.ledger.capacity, first, self.horizon_days, self.wait_cents_per_day, self.ledger.used
        )
        result = assign(columns_problem)
        for i, column in enumerate(result.center_of.tolist()):
            if column < 0:
                continue
            center, day = columns[column]
            batch.center_of[i] = problem.centers.index(center)
            batch.day_of[i] = day
            self.ledger.take(center, problem.categories[int(problem.returns.category[i])], day)

    def finish(self) -> list[Batch]:
        """Every batch; nothing waits unassigned (each return holds its center-day from the evening it came)."""
        return self.batches


class NearestWithRoom:
    """Today's practice: nearest capable center with room, else the next-nearest, else queue at the nearest."""

    def __init__(self, capacity: CenterCapacity) -> None:
        self.ledger = Ledger(capacity)
        self.batches: list[Batch] = []
        self.queues: dict[int, deque[tuple[Batch, int]]] = {}
        self.served_through: date | None = None

    def add(self, problem: AssignmentProblem, collected: date) -> None:
        """The day's returns, in arrival order, after the queues have had their turn on that date."""
        batch = _empty(collected, problem)
        self.batches.append(batch)
        self._serve_until(batch.first)
        terms, returns = problem.terms, problem.returns
        for i in range(len(returns)):
            k = int(returns.category[i])
            capable = np.flatnonzero(terms.capable[:, k])
            if not len(capable):
                continue
            ranked = sorted(capable.tolist(), key=lambda c: (int(problem.line_haul_m[returns.origin[i], c]), c))
            for c in ranked:
                if self.ledger.has_room(problem.centers[c], problem.categories[k], batch.first):
                    self._process(batch, i, c, batch.first)
                    break
            else:
                self.queues.setdefault(ranked[0], deque()).append((batch, i))

    def finish(self) -> list[Batch]:
        """Work the queues down day by day until they are empty (or a year has passed)."""
        if self.served_through is not None:
            self._serve_until(self.served_through + timedelta(days=DRAIN_LIMIT_DAYS))
        return self.batches

    def _serve_until(self, last: date) -> None:
        """Give the queues their turn on every date after the last served, through `last`."""
        day = self.served_through + timedelta(days=1) if self.served_through else last
        while day <= last and any(self.queues.values()):
            for c, queue in self.queues.items():
                for _ in range(len(queue)):
                    batch, i = queue.popleft()
                    problem = batch.problem
                    category = problem.categories[int(problem.returns.category[i])]
                    if self.ledger.has_room(problem.centers[c], category, day):
                        self._process(batch, i, c, day)
                    else:
                        queue.append((batch, i))
            day += timedelta(days=1)
        self.served_through = last

    def _process(self, batch: Batch, i: int, c: int, day: date) -> None:
        problem = batch.problem
        batch.center_of[i] = c
        batch.day_of[i] = day
        self.ledger.take(problem.centers[c], problem.categories[int(problem.returns.category[i])], day)
