"""The KPIs of one design's simulated days, typed; `to_json` is the `kpis.json` form."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from optimizer.assignment.center_days import PROCESSING_LAG_DAYS, TOTAL
from optimizer.scenario.processing import Batch, Ledger


@dataclass(frozen=True)
class CostSplit:
    """The run's cost by part, in cents (recovered value counts negative)."""

    pickup: int
    line_haul: int
    processing: int
    recovered: int
    delay: int
    """Days waited for a center with room after the earliest processing date, at the delay cost per day."""
    total: int
    inspection: int = 0


@dataclass(frozen=True)
class CenterDay:
    """One center on one date (or summed over the run): what it could process and what it did."""

    id: str
    capacity: int
    used: int


@dataclass(frozen=True)
class DayUse:
    """One date of the run: returns collected, what each center processed, returns due and still waiting."""

    date: str
    returns: int
    centers: tuple[CenterDay, ...]
    backlog_end: int
    """Returns whose earliest processing date has come and that are not processed at the end of the date."""


@dataclass(frozen=True)
class Kpis:
    """What a planner compares between two designs of the same days."""

    returns: int
    returns_processed: int
    pickups_requested: int
    pickups_booked: int
    drop_offs: int
    pickups_in_slot_pct: float
    cost_cents: CostSplit
    cost_per_return_cents: int
    cost_per_processed_return_cents: int
    """Every cost of the run divided by the returns processed: the honest comparison."""
    days_to_inspection_p50: int
    days_to_inspection_p95: int
    """From the day a return is collected to the day a center inspects it (nearest rank)."""
    courier_km: float
    courier_hours: float
    vehicles_used: int
    co2_kg: float
    unplaced_returns: int
    unplaced_reasons: Mapping[str, int]
    centers: tuple[CenterDay, ...]
    """Each center summed over the processing dates of `days` (from the day after the first collection)."""
    days: tuple[DayUse, ...]
    returns_refused: int = 0
    returns_avoided_keep_it: int = 0
    keep_it_saved_cents: int = 0
    """What the kept returns would have cost to bring back and process, less what they would have recovered."""
    inspections: int = 0
    inspection_cost_cents: int = 0
    """What inspecting the flagged returns added (at the door, at an inspection center, by hand)."""

    def to_json(self) -> dict[str, Any]:
        """The `kpis.json` form: plain dicts and lists."""
        return dict(json.loads(json.dumps(asdict(self))))


@dataclass(frozen=True)
class KpiRow:
    """One line of the KPI tables: its label, its stable key, how to read it and how to print it."""

    label: str
    key: str
    read: Callable[[Kpis], float]
    style: str


KPI_ROWS: tuple[KpiRow, ...] = (
    KpiRow("returns", "returns", lambda k: k.returns, "{:,.0f}"),
    KpiRow("returns processed", "returns_processed", lambda k: k.returns_processed, "{:,.0f}"),
    KpiRow(
        "cost per processed return (yuan)",
        "cost_per_processed_return_cents",
        lambda k: k.cost_per_processed_return_cents,
        "cents",
    ),
    KpiRow("cost per return (yuan)", "cost_per_return_cents", lambda k: k.cost_per_return_cents, "cents"),
    KpiRow("  pickup (couriers)", "cost_cents.pickup", lambda k: k.cost_cents.pickup, "cents_total"),
    KpiRow("  line haul", "cost_cents.line_haul", lambda k: k.cost_cents.line_haul, "cents_total"),
    KpiRow("  processing", "cost_cents.processing", lambda k: k.cost_cents.processing, "cents_total"),
    KpiRow("  recovered value", "cost_cents.recovered", lambda k: k.cost_cents.recovered, "cents_total"),
    KpiRow("  delay (waiting for a center)", "cost_cents.delay", lambda k: k.cost_cents.delay, "cents_total"),
    KpiRow("  inspections", "cost_cents.inspection", lambda k: k.cost_cents.inspection, "cents_total"),
    KpiRow("days to inspection, median", "days_to_inspection_p50", lambda k: k.days_to_inspection_p50, "{:.0f}"),
    KpiRow("days to inspection, 95th pct", "days_to_inspection_p95", lambda k: k.days_to_inspection_p95, "{:.0f}"),
    KpiRow("pickups requested", "pickups_requested", lambda k: k.pickups_requested, "{:,.0f}"),
    KpiRow("pickups booked", "pickups_booked", lambda k: k.pickups_booked, "{:,.0f}"),
    KpiRow("pickups served in their slot (%)", "pickups_in_slot_pct", lambda k: k.pickups_in_slot_pct, "{:.1f}"),
    KpiRow("drop-offs", "drop_offs", lambda k: k.drop_offs, "{:,.0f}"),
    KpiRow("returns not processed", "unplaced_returns", lambda k: k.unplaced_returns, "{:,.0f}"),
    KpiRow("  refused by the rules", "returns_refused", lambda k: k.returns_refused, "{:,.0f}"),
    KpiRow(
        "  kept by the shopper (keep-it)", "returns_avoided_keep_it", lambda k: k.returns_avoided_keep_it, "{:,.0f}"
    ),
    KpiRow("keep-it saved (yuan)", "keep_it_saved_cents", lambda k: k.keep_it_saved_cents, "cents_total"),
    KpiRow("inspections (flagged returns)", "inspections", lambda k: k.inspections, "{:,.0f}"),
    KpiRow("courier km", "courier_km", lambda k: k.courier_km, "{:,.1f}"),
    KpiRow("courier hours", "courier_hours", lambda k: k.courier_hours, "{:,.1f}"),
    KpiRow("vehicles used", "vehicles_used", lambda k: k.vehicles_used, "{:,.0f}"),
    KpiRow("CO2 (kg)", "co2_kg", lambda k: k.co2_kg, "{:,.1f}"),
)
"""The KPI tables of the report, the console and comparisons, in order."""


@dataclass(frozen=True)
class Driven:
    """What a design's couriers did: pickups served in their slot, cost, km, CO2, hours, vehicles."""

    in_slot: int = 0
    courier_cents: float = 0.0
    km: float = 0.0
    co2_g: float = 0.0
    hours: float = 0.0
    vehicles: int = 0

    def __add__(self, other: Driven) -> Driven:
        """Two days (or fleets) together."""
        return Driven(*(getattr(self, f) + getattr(other, f) for f in Driven.__dataclass_fields__))


@dataclass(frozen=True)
class CollectionFigures:
    """One design's collection days added up: bookings and what the couriers drove."""

    returns: int
    wanted_pickup: int
    booked: int
    drop_offs: int
    unserved: int
    driven: Driven
    refused: int = 0
    """Returns the merchant's rules did not take back."""
    kept: int = 0
    keep_it_saved_cents: int = 0
    inspections: int = 0
    inspection_cents: int = 0


def _percentile(values: np.ndarray[Any, Any], q: float) -> int:
    return int(np.quantile(values, q, method="inverted_cdf")) if len(values) else 0


def _days(
    returns_by_date: Mapping[date, int], batches: Sequence[Batch], ledger: Ledger, last: date
) -> tuple[DayUse, ...]:
    """Every date from the first collection through `last`, with the centers' use and the backlog."""
    first = min(returns_by_date)
    days = []
    for k in range((last - first).days + 1):
        day = first + timedelta(days=k)
        backlog = sum(sum(1 for d in b.day_of if d is None or d > day) for b in batches if b.first <= day)
        centers = tuple(
            CenterDay(c.id, ledger.capacity.limit(c, TOTAL, day) or 0, ledger.used[c.id, day, TOTAL])
            for c in ledger.capacity.centers
        )
        days.append(DayUse(day.isoformat(), returns_by_date.get(day, 0), centers, backlog))
    return tuple(days)


def kpis_of(
    figures: CollectionFigures,
    returns_by_date: Mapping[date, int],
    batches: Sequence[Batch],
    ledger: Ledger,
    delay_cents_per_day: int,
    through: date,
) -> Kpis:
    """The KPIs from a design's collection figures and where and when its returns were processed.

    `days` runs from the first collection date through `through` (both designs show the same dates).
    """
    parts = np.zeros(3, dtype=np.int64)  # transport, processing, recovered
    delay = 0
    waited: list[int] = []
    reasons = Counter(
        {"no_pickup_slot": figures.unserved, "refused_by_rules": figures.refused, "kept_by_shopper": figures.kept}
    )
    for batch in batches:
        parts += [int(part.sum()) for part in batch.problem.cost_parts(batch.center_of)]
        delay += int(batch.waits().sum()) * delay_cents_per_day
        waited += [(d - batch.collected).days for d in batch.day_of if d is not None]
        capable = np.asarray(batch.problem.terms.capable.any(axis=0))[batch.problem.returns.category]
        left = batch.center_of < 0
        reasons["no_capable_center"] += int((left & ~capable).sum())
        reasons["no_center_room"] += int((left & capable).sum())
    transport, processing, recovered = (int(part) for part in parts)
    driven = figures.driven
    total = driven.courier_cents + transport + processing - recovered + delay + figures.inspection_cents
    done = len(waited)
    days = _days(returns_by_date, batches, ledger, through)
    opens = min(returns_by_date) + timedelta(days=PROCESSING_LAG_DAYS)
    working = [d for d in days if date.fromisoformat(d.date) >= opens]
    return Kpis(
        returns=figures.returns,
        returns_processed=done,
        pickups_requested=figures.wanted_pickup,
        pickups_booked=figures.booked,
        drop_offs=figures.drop_offs,
        pickups_in_slot_pct=round(100 * driven.in_slot / figures.booked, 2) if figures.booked else 100.0,
        cost_cents=CostSplit(
            pickup=round(driven.courier_cents),
            line_haul=transport,
            processing=processing,
            recovered=-recovered,
            delay=delay,
            total=round(total),
            inspection=figures.inspection_cents,
        ),
        cost_per_return_cents=round(total / figures.returns) if figures.returns else 0,
        cost_per_processed_return_cents=round(total / done) if done else 0,
        days_to_inspection_p50=_percentile(np.array(waited), 0.5),
        days_to_inspection_p95=_percentile(np.array(waited), 0.95),
        courier_km=round(driven.km, 1),
        courier_hours=round(driven.hours, 2),
        vehicles_used=driven.vehicles,
        co2_kg=round(driven.co2_g / 1000, 1),
        unplaced_returns=figures.returns - done,
        unplaced_reasons=dict(sorted((k, v) for k, v in reasons.items() if v)),
        centers=tuple(
            CenterDay(c.id, sum(d.centers[i].capacity for d in working), sum(d.centers[i].used for d in working))
            for i, c in enumerate(ledger.capacity.centers)
        ),
        days=days,
        returns_refused=figures.refused,
        returns_avoided_keep_it=figures.kept,
        keep_it_saved_cents=figures.keep_it_saved_cents,
        inspections=figures.inspections,
        inspection_cost_cents=figures.inspection_cents,
    )
