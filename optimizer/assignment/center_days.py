"""Processing capacity per center and day, and where one return should be processed when.

A center processes at most `capacity_per_day` returns a day, and at most a category line's own
`capacity_per_day` of that category. Both can be overridden per date (a peak day's extra shift).
A return that reaches its cheapest center on a full day goes to the next-cheapest capable center,
or waits for a later day there, whichever costs less: each day of waiting costs
`delay_cents_per_day` (storage, a later refund, value lost on resale). When deciding, a day of
waiting is priced higher, at the delay plus `hold_cents_per_day`: a place on a later day is worth
something to the returns still to come, and a return that takes it to save a little today makes
a later one wait. The accounts (and "saves money") use the delay cost alone.

`center_day_options` ranks the (center, day) pairs for one return; the service reserves the first
one with room under row locks. `center_day_problem` turns the same question for a whole batch into
an ordinary `AssignmentProblem` over center-days (one column per center and day, its capacity that
day, its processing cost raised by the delay), so the min-cost flow solves it optimally.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import numpy as np

from optimizer.assignment.problem import AssignmentProblem, ReturnBatch
from optimizer.domain import CenterCategory, ProcessingCenter
from optimizer.errors import ValidationError

TOTAL = "*"
"""The category name under which a center-day's total is counted."""
PROCESSING_LAG_DAYS = 1
"""A return collected on day D (pickup or drop-off point) travels overnight: processed from D + 1."""
DEFAULT_DELAY_CENTS_PER_DAY = 300
"""What one day of waiting before processing costs per return (storage, a later refund, value lost)."""
DEFAULT_HORIZON_DAYS = 14
"""How many days after its earliest a return may wait for a center with room."""
DEFAULT_HOLD_CENTS_PER_DAY = 1000
"""What a later day's place is worth to the returns still to come (10 yuan), added to the delay cost
when deciding. With the delay cost alone, returns took later days to save 1-4 yuan, and in a peak
week the returns after them waited longer: on the Singles' Day week the center side's cost per
processed return fell from 6.54 to 6.38 yuan and p95 days to inspection from 3 to 2 with it."""


@dataclass(frozen=True)
class CenterCapacity:
    """Each center's daily capacity (total and per category line), with overrides per date.

    `overrides` maps a date (or None: every date) to `{"C1": 900, "C1/apparel": 300}`; a date's own
    override wins over the every-date one, which wins over the region's figure.
    """

    centers: tuple[ProcessingCenter, ...]
    overrides: Mapping[date | None, Mapping[str, int]] = field(default_factory=dict)
    setting: str = "center_capacity"
    every_date: str = "default"
    """Where the overrides come from and the every-date table's name, for error messages."""

    def __post_init__(self) -> None:
        known = {c.id: c for c in self.centers}
        for day, table in self.overrides.items():
            for key, value in table.items():
                center, _, category = key.partition("/")
                where = ".".join(p for p in (self.setting, day.isoformat() if day else self.every_date, key) if p)
                if center not in known:
                    raise ValidationError(where, f"no center {center!r} in the region")
                if category and category not in known[center].categories:
                    raise ValidationError(where, f"center {center} does not process {category!r}")
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ValidationError(where, "must be a whole number of returns, at least 0")

    def limit(self, center: ProcessingCenter, category: str, day: date) -> int | None:
        """Returns of `category` (or `TOTAL`) the center processes that day; None: no line limit."""
        key = center.id if category == TOTAL else f"{center.id}/{category}"
        for table in (self.overrides.get(day, {}), self.overrides.get(None, {})):
            if key in table:
                return table[key]
        if category == TOTAL:
            return center.capacity_per_day
        return center.categories[category].capacity_per_day

    def centers_on(self, day: date) -> tuple[ProcessingCenter, ...]:
        """The centers with their capacities that day (for a one-day assignment)."""
        return tuple(
            replace(
                center,
                capacity_per_day=self.limit(center, TOTAL, day) or 0,
                categories={
                    name: replace(terms, capacity_per_day=self.limit(center, name, day))
                    for name, terms in center.categories.items()
                },
            )
            for center in self.centers
        )


@dataclass(frozen=True)
class CenterDayOption:
    """One place and day a return could be processed, and what that costs."""

    center: ProcessingCenter
    day: date
    cost_cents: int
    """Line haul + processing - recovered value + the price of the wait after the earliest day."""
    haul_m: int
    transport_cents: int
    """The line haul's part of the cost."""


def center_day_options(
    problem: AssignmentProblem,
    origin: int,
    category: str,
    weight_g: int,
    first: date,
    horizon_days: int,
    wait_cents_per_day: int,
) -> list[CenterDayOption]:
    """Every capable (center, day) from `first` on for `horizon_days` more days, cheapest first.

    A day of waiting costs `wait_cents_per_day` (the delay cost, plus the hold when deciding). Ties
    go to the earlier day, then to the center listed first: the order is total, so two workers rank
    the same way.
    """
    if category not in problem.categories:
        known = ", ".join(problem.categories)
        raise ValidationError("category", f"no center processes {category!r} (known: {known})")
    k = problem.categories.index(category)
    kg = problem.chargeable_kg(np.array([weight_g]))
    unit = problem.unit_cost_cents(np.array([origin]), np.array([k]), kg)[0]
    transport = problem.transport_cents(np.array([origin]), kg)[0]
    ranked = sorted(
        (int(unit[c]) + wait * wait_cents_per_day, wait, c)
        for wait in range(horizon_days + 1)
        for c in range(len(problem.centers))
        if problem.terms.capable[c, k]
    )
    return [
        CenterDayOption(
            problem.centers[c],
            first + timedelta(days=wait),
            cost,
            int(problem.line_haul_m[origin, c]),
            int(transport[c]),
        )
        for cost, wait, c in ranked
    ]


def center_day_problem(
    problem: AssignmentProblem,
    capacity: CenterCapacity,
    first: Sequence[date],
    horizon_days: int,
    wait_cents_per_day: int,
    used: Mapping[tuple[str, date, str], int] | None = None,
) -> tuple[AssignmentProblem, list[tuple[ProcessingCenter, date]]]:
    """The batch question over center-days: each return's earliest day is `first[i]`.

    Columns are (center, day) for every day from the earliest `first` to the last plus the horizon;
    a column's capacity is what is left that day (`used` counts what others hold, by center id,
    day and category or `TOTAL`). A return cannot be processed before its own earliest day: its
    wait is priced from there (`wait_cents_per_day` a day), and earlier columns are made incapable
    by a separate category. Returns the problem and, per column, its center and day.
    """
    days = sorted({d + timedelta(days=w) for d in first for w in range(horizon_days + 1)})
    start = min(first)
    used = used or {}
    columns = [(c, d) for d in days for c in problem.centers]
    offsets = {d: (d - start).days for d in days}
    # a return's category becomes (category, its earliest day): a column takes it only on or after that day
    earliest = [(problem.categories[int(k)], offsets[f]) for k, f in zip(problem.returns.category, first, strict=True)]
    keys = sorted(set(earliest))
    names = tuple(f"{name}@{offset}" for name, offset in keys)
    centers: list[ProcessingCenter] = []
    kept: list[tuple[ProcessingCenter, date]] = []
    for center, day in columns:
        lines = {}
        for (name, offset), label in zip(keys, names, strict=True):
            terms = center.categories.get(name)
            if terms is None or offsets[day] < offset:
                continue
            line_limit = capacity.limit(center, name, day)
            left = None if line_limit is None else max(0, line_limit - used.get((center.id, day, name), 0))
            delay = (offsets[day] - offset) * wait_cents_per_day
            lines[label] = CenterCategory(terms.cost_cents + delay, terms.recovery_cents, left)
        total = capacity.limit(center, TOTAL, day) or 0
        if lines:
            kept.append((center, day))
            centers.append(
                ProcessingCenter(
                    f"{center.id}@{day.isoformat()}",
                    center.location,
                    max(0, total - used.get((center.id, day, TOTAL), 0)),
                    lines,
                )
            )
    column_of = {center.id: c for c, center in enumerate(problem.centers)}
    haul = problem.line_haul_m[:, [column_of[center.id] for center, _ in kept]]
    index = {key: i for i, key in enumerate(keys)}
    category = np.array([index[key] for key in earliest], dtype=np.int64)
    returns = ReturnBatch(problem.returns.ids, problem.returns.origin, category, problem.returns.weight_g)
    batch = AssignmentProblem(
        problem.origin_ids, names, tuple(centers), haul, problem.tariff, returns, problem.unplaced_penalty_cents
    )
    return batch, kept
