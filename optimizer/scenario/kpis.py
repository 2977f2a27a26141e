"""The KPIs of one design's simulated day, typed; `to_json` is the `kpis.json` form."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from optimizer.assignment.result import AssignmentResult, CenterUse


@dataclass(frozen=True)
class CostSplit:
    """The day's cost by part, in cents (recovered value counts negative)."""

    pickup: int
    line_haul: int
    processing: int
    recovered: int
    unplaced_penalty: int
    total: int


@dataclass(frozen=True)
class Kpis:
    """What a planner compares between two designs of the same day."""

    returns: int
    pickups_requested: int
    pickups_booked: int
    drop_offs: int
    pickups_in_slot_pct: float
    cost_cents: CostSplit
    cost_per_return_cents: int
    cost_per_return_excl_penalty_cents: int
    cost_per_placed_return_cents: int
    """Without unplaced penalties, per return actually processed: the honest comparison."""
    courier_km: float
    courier_hours: float
    vehicles_used: int
    co2_kg: float
    unplaced_returns: int
    unplaced_reasons: Mapping[str, int]
    centers: tuple[CenterUse, ...]

    def to_json(self) -> dict[str, Any]:
        """The `kpis.json` form: plain dicts and lists."""
        return {
            **asdict(self),
            "unplaced_reasons": dict(self.unplaced_reasons),
            "centers": [{"id": c.id, "capacity": c.capacity, "used": c.used, "demand": c.demand} for c in self.centers],
        }


@dataclass(frozen=True)
class KpiRow:
    """One line of the KPI tables: its label, its stable key, how to read it and how to print it."""

    label: str
    key: str
    read: Callable[[Kpis], float]
    style: str


KPI_ROWS: tuple[KpiRow, ...] = (
    KpiRow("returns", "returns", lambda k: k.returns, "{:,.0f}"),
    KpiRow("cost per return (yuan)", "cost_per_return_cents", lambda k: k.cost_per_return_cents, "cents"),
    KpiRow(
        "  without unplaced penalties",
        "cost_per_return_excl_penalty_cents",
        lambda k: k.cost_per_return_excl_penalty_cents,
        "cents",
    ),
    KpiRow(
        "cost per processed return (yuan)",
        "cost_per_placed_return_cents",
        lambda k: k.cost_per_placed_return_cents,
        "cents",
    ),
    KpiRow("  pickup (couriers)", "cost_cents.pickup", lambda k: k.cost_cents.pickup, "cents_total"),
    KpiRow("  line haul", "cost_cents.line_haul", lambda k: k.cost_cents.line_haul, "cents_total"),
    KpiRow("  processing", "cost_cents.processing", lambda k: k.cost_cents.processing, "cents_total"),
    KpiRow("  recovered value", "cost_cents.recovered", lambda k: k.cost_cents.recovered, "cents_total"),
    KpiRow("  unplaced penalty", "cost_cents.unplaced_penalty", lambda k: k.cost_cents.unplaced_penalty, "cents_total"),
    KpiRow("pickups requested", "pickups_requested", lambda k: k.pickups_requested, "{:,.0f}"),
    KpiRow("pickups booked", "pickups_booked", lambda k: k.pickups_booked, "{:,.0f}"),
    KpiRow("pickups served in their slot (%)", "pickups_in_slot_pct", lambda k: k.pickups_in_slot_pct, "{:.1f}"),
    KpiRow("drop-offs", "drop_offs", lambda k: k.drop_offs, "{:,.0f}"),
    KpiRow("returns left unplaced", "unplaced_returns", lambda k: k.unplaced_returns, "{:,.0f}"),
    KpiRow("courier km", "courier_km", lambda k: k.courier_km, "{:,.1f}"),
    KpiRow("courier hours", "courier_hours", lambda k: k.courier_hours, "{:,.1f}"),
    KpiRow("vehicles used", "vehicles_used", lambda k: k.vehicles_used, "{:,.0f}"),
    KpiRow("CO2 (kg)", "co2_kg", lambda k: k.co2_kg, "{:,.1f}"),
)
"""The KPI tables of the report, the console and comparisons, in order."""


def kpis_of(
    *,
    returns: int,
    wanted_pickup: int,
    booked: int,
    drop_offs: int,
    unserved: int,
    in_slot: int,
    courier_cents: float,
    km: float,
    co2_g: float,
    hours: float,
    vehicles: int,
    result: AssignmentResult,
) -> Kpis:
    """The KPIs from a design's counts, its courier figures and its assignment of returns to centers."""
    cost = result.cost
    total = courier_cents + cost.total_cents
    placed = returns - result.unplaced_count - unserved
    reasons = Counter(group.reason.value for group in result.unplaced for _ in group.indices)
    reasons.update({"no_pickup_slot": unserved})
    return Kpis(
        returns=returns,
        pickups_requested=wanted_pickup,
        pickups_booked=booked,
        drop_offs=drop_offs,
        pickups_in_slot_pct=round(100 * in_slot / booked, 2) if booked else 100.0,
        cost_cents=CostSplit(
            pickup=round(courier_cents),
            line_haul=cost.transport_cents,
            processing=cost.processing_cents,
            recovered=-cost.recovered_cents,
            unplaced_penalty=cost.unplaced_penalty_cents,
            total=round(total),
        ),
        cost_per_return_cents=round(total / returns) if returns else 0,
        cost_per_return_excl_penalty_cents=round((total - cost.unplaced_penalty_cents) / returns) if returns else 0,
        cost_per_placed_return_cents=round((total - cost.unplaced_penalty_cents) / placed) if placed else 0,
        courier_km=round(km, 1),
        courier_hours=round(hours, 2),
        vehicles_used=vehicles,
        co2_kg=round(co2_g / 1000, 1),
        unplaced_returns=result.unplaced_count + unserved,
        unplaced_reasons=dict(sorted((k, v) for k, v in reasons.items() if v)),
        centers=tuple(result.centers),
    )
