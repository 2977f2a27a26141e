"""The assignment problem: returns waiting at consolidation points, centers with capacities and terms.

Returns are held column-wise (`ReturnBatch`), so a million of them cost a few arrays, not a million
objects. Every cost is an integer number of cents: a return's cost at a center is its line-haul
transport (per-parcel fee plus the tariff on chargeable kilograms and road kilometres) plus the
center's processing cost for its category, minus the value the center's resale channel recovers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from optimizer.domain import LineHaulTariff, ProcessingCenter
from optimizer.errors import ValidationError

IntArray = npt.NDArray[np.int64]
MAX_RETURN_WEIGHT_G = 1_000_000
"""One tonne: heavier is not a parcel."""
MAX_HAUL_M = 10**7
"""10,000 km: keeps every cost product inside 64 bits."""
MAX_PENALTY_CENTS = 10**8
DEFAULT_UNPLACED_PENALTY_CENTS = 20_000
"""What a return left unplaced today costs (held over or sent to an outside processor): 200 yuan."""


@dataclass(frozen=True, eq=False)
class ReturnBatch:
    """Returns as columns: id, consolidation point (index into the problem's origins), category index, grams."""

    ids: tuple[str, ...]
    origin: IntArray
    category: IntArray
    weight_g: IntArray

    def __post_init__(self) -> None:
        for name in ("origin", "category", "weight_g"):
            array = np.asarray(getattr(self, name))
            if array.ndim != 1 or len(array) != len(self.ids):
                raise ValidationError(f"returns.{name}", f"must be a list of {len(self.ids)} values")
            if not np.issubdtype(array.dtype, np.integer) and len(array):
                raise ValidationError(f"returns.{name}", "must hold integers")
            object.__setattr__(self, name, array.astype(np.int64, copy=False))
        bad = np.flatnonzero((self.weight_g < 1) | (self.weight_g > MAX_RETURN_WEIGHT_G))
        if len(bad):
            i = int(bad[0])
            raise ValidationError(f"returns[{i}].weight_g", f"must be within [1, {MAX_RETURN_WEIGHT_G}] g")
        if len(set(self.ids)) != len(self.ids):
            seen: set[str] = set()
            for i, return_id in enumerate(self.ids):
                if return_id in seen:
                    raise ValidationError(f"returns[{i}].id", f"{return_id!r} appears twice")
                seen.add(return_id)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, eq=False)
class AssignmentProblem:
    """Which center should process each return, given `line_haul_m[origin, center]` road metres."""

    origin_ids: tuple[str, ...]
    categories: tuple[str, ...]
    centers: tuple[ProcessingCenter, ...]
    line_haul_m: IntArray
    tariff: LineHaulTariff
    returns: ReturnBatch
    unplaced_penalty_cents: int = DEFAULT_UNPLACED_PENALTY_CENTS

    def __post_init__(self) -> None:
        if not self.centers:
            raise ValidationError("centers", "at least one processing center is required")
        ids = [center.id for center in self.centers]
        for i, center_id in enumerate(ids):
            if center_id in ids[:i]:
                raise ValidationError(f"centers[{i}].id", f"{center_id!r} appears twice")
        if len(set(self.categories)) != len(self.categories) or not self.categories:
            raise ValidationError("categories", "must be a non-empty list of distinct names")
        for i, center in enumerate(self.centers):
            unknown = sorted(set(center.categories) - set(self.categories))
            if unknown:
                raise ValidationError(f"centers[{i}].categories.{unknown[0]}", "unknown category")
        shape = (len(self.origin_ids), len(self.centers))
        haul = np.asarray(self.line_haul_m)
        if haul.shape != shape or not np.issubdtype(haul.dtype, np.integer):
            raise ValidationError("line_haul_m", f"must be a {shape[0]} x {shape[1]} integer matrix")
        if haul.size and (haul.min() < 0 or haul.max() > MAX_HAUL_M):
            raise ValidationError("line_haul_m", f"metres must be within [0, {MAX_HAUL_M}]")
        object.__setattr__(self, "line_haul_m", haul.astype(np.int64, copy=False))
        penalty = self.unplaced_penalty_cents
        if isinstance(penalty, bool) or not isinstance(penalty, int) or not 1 <= penalty <= MAX_PENALTY_CENTS:
            raise ValidationError("unplaced_penalty_cents", f"must be an integer within [1, {MAX_PENALTY_CENTS}]")
        returns = self.returns
        for name, limit in (("origin", len(self.origin_ids)), ("category", len(self.categories))):
            values = getattr(returns, name)
            bad = np.flatnonzero((values < 0) | (values >= limit))
            if len(bad):
                raise ValidationError(f"returns[{int(bad[0])}].{name}", f"index out of range [0, {limit})")

    @cached_property
    def terms(self) -> CenterTerms:
        """The centers' terms as arrays, by center and category."""
        return CenterTerms.of(self.centers, self.categories)

    def chargeable_kg(self, weight_g: IntArray) -> IntArray:
        """Weight rounded up to whole kilograms (at least 1), as the tariff bills it."""
        return np.maximum(1, -(-weight_g // 1000))

    def transport_cents(self, origin: IntArray, kg: IntArray) -> IntArray:
        """Line-haul cents from each (origin, kg) row to every center: rows x centers, rounded to the cent."""
        return self.haul_cents(self.line_haul_m[origin], kg[:, None])

    def haul_cents(self, metres: IntArray, kg: IntArray) -> IntArray:
        """The tariff: per-parcel fee plus millicents per chargeable kg and km, rounded to the cent."""
        return self.tariff.per_parcel_cents + (self.tariff.millicents_per_kg_km * kg * metres + 500_000) // 1_000_000

    def cost_parts(self, center_of: IntArray) -> tuple[IntArray, IntArray, IntArray]:
        """Transport, processing and recovered cents of each return at its center (zeros where unplaced, -1)."""
        returns, terms = self.returns, self.terms
        placed = center_of >= 0
        center = np.where(placed, center_of, 0)
        metres = self.line_haul_m[returns.origin, center]
        transport = self.haul_cents(metres, self.chargeable_kg(returns.weight_g))
        processing = terms.cost_cents[center, returns.category]
        recovered = terms.recovery_cents[center, returns.category]
        return tuple(np.where(placed, part, 0) for part in (transport, processing, recovered))  # type: ignore[return-value]

    def unit_cost_cents(self, origin: IntArray, category: IntArray, kg: IntArray) -> IntArray:
        """Net cents of sending one return of each row to every center (meaningless where not capable)."""
        terms = self.terms
        return self.transport_cents(origin, kg) + terms.cost_cents[:, category].T - terms.recovery_cents[:, category].T


@dataclass(frozen=True, eq=False)
class CenterTerms:
    """The centers' per-category terms as center x category arrays."""

    capable: npt.NDArray[np.bool_]
    cost_cents: IntArray
    recovery_cents: IntArray
    category_capacity: IntArray
    """-1 where only the center's total capacity applies."""
    capacity: IntArray

    @classmethod
    def of(cls, centers: Sequence[ProcessingCenter], categories: Sequence[str]) -> CenterTerms:
        """The terms of `centers` for `categories` (absent lines cannot process that category)."""
        shape = (len(centers), len(categories))
        capable = np.zeros(shape, dtype=bool)
        cost, recovery = np.zeros(shape, dtype=np.int64), np.zeros(shape, dtype=np.int64)
        category_capacity = np.full(shape, -1, dtype=np.int64)
        for c, center in enumerate(centers):
            for k, name in enumerate(categories):
                terms = center.categories.get(name)
                if terms is None:
                    continue
                capable[c, k] = True
                cost[c, k], recovery[c, k] = terms.cost_cents, terms.recovery_cents
                if terms.capacity_per_day is not None:
                    category_capacity[c, k] = terms.capacity_per_day
        capacity = np.array([center.capacity_per_day for center in centers], dtype=np.int64)
        return cls(capable, cost, recovery, category_capacity, capacity)
