"""The return, one type wherever it travels.

The return: one type for a shopper's return wherever it travels (generated, read from a file, booked,
assigned). Its column form for the assignment flow is `assignment.ReturnBatch`; a courier's stop is a
`PickupRequest`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from optimizer.domain.model import Location, Parcel, TimeWindow, require_id, require_int
from optimizer.domain.vocabulary import METHODS, QUALITY_REASONS, REASON_CODES
from optimizer.errors import ValidationError


@dataclass(frozen=True, slots=True)
class Return:
    """One return: what it is, why it comes back, and where it starts.

    It starts either at an address (`location`, with the `method` that brings it back: a doorstep
    pickup or a drop-off) or at a named consolidation site (`origin_id`: a depot or drop-off point)
    where it already waits. `preferred_slot` is the pickup slot the shopper wants, if any.
    """

    id: str
    category: str
    weight_g: int
    volume_cm3: int = 0
    reason: str = "not_quality"
    location: Location | None = None
    method: str | None = None
    origin_id: str | None = None
    preferred_slot: TimeWindow | None = None

    def __post_init__(self) -> None:
        require_id("id", self.id)
        require_id("category", self.category)
        require_int("weight_g", self.weight_g)
        require_int("volume_cm3", self.volume_cm3)
        if self.reason not in REASON_CODES:
            raise ValidationError("reason", f"must be one of {', '.join(REASON_CODES)}, got {self.reason!r}")
        if (self.origin_id is None) == (self.location is None):
            raise ValidationError("origin", "give either origin (a site id) or location with method")
        if self.location is not None and self.method not in METHODS:
            raise ValidationError("method", f"must be one of {', '.join(METHODS)}, got {self.method!r}")

    @property
    def address(self) -> Location:
        """Where the shopper is; an error for a return that already waits at a site."""
        if self.location is None:
            raise ValidationError("location", f"return {self.id} waits at {self.origin_id}, not at an address")
        return self.location

    @property
    def quality_problem(self) -> bool:
        """A damaged, defective, misdescribed or wrong item: the merchant pays the way back."""
        return self.reason == "quality" or self.reason in QUALITY_REASONS

    def parcels(self) -> tuple[Parcel, ...]:
        """The return as parcel lines (one parcel)."""
        return (Parcel(self.weight_g, self.volume_cm3),)

    def waiting_at(self, site_id: str) -> Return:
        """The same return once it waits at a consolidation site (for the assignment to centers)."""
        return replace(self, location=None, method=None, origin_id=site_id)
