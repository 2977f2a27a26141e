"""Domain model: frozen dataclasses with units in their field names, validated on construction.

Times are integer seconds from the planning day's midnight, weights grams, volumes cubic
centimetres, money cents. Construction raises `ValidationError` naming the offending field, so a
bad value never reaches the solver.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from optimizer.errors import ValidationError

DEFAULT_SKILLS: frozenset[str] = frozenset({"bulky", "two_person", "fragile", "high_value", "tail_lift"})
"""Skill vocabulary used when a problem does not declare its own."""


MAX_AMOUNT = 10**12
"""Largest weight, volume, count or money amount accepted (keeps solver arithmetic in 64 bits)."""
MAX_TIME_S = 10**7
"""Largest time of day or duration accepted, in seconds (about 115 days)."""
MAX_RATE_CENTS = 10**7
"""Largest cost per km or per hour accepted, in cents."""


def require_int(name: str, value: object, *, minimum: int = 0, maximum: int = MAX_AMOUNT) -> None:
    """An integer within [minimum, maximum], else a `ValidationError` naming `name`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(name, f"must be an integer, got {value!r}")
    if not minimum <= value <= maximum:
        raise ValidationError(name, f"must be within [{minimum}, {maximum}], got {value}")


def require_id(name: str, value: object) -> None:
    """A non-empty string, else a `ValidationError` naming `name`."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(name, f"must be a non-empty string, got {value!r}")


@dataclass(frozen=True, slots=True)
class Location:
    """A point in WGS84 degrees."""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        for name, value, bound in (("lat", self.lat, 90.0), ("lon", self.lon, 180.0)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ValidationError(name, f"must be a finite number, got {value!r}")
            if not -bound <= value <= bound:
                raise ValidationError(name, f"must be within [-{bound:g}, {bound:g}], got {value}")


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A closed interval [start_s, end_s] in which a service may start (or a shift runs)."""

    start_s: int
    end_s: int

    def __post_init__(self) -> None:
        require_int("start_s", self.start_s, maximum=MAX_TIME_S)
        require_int("end_s", self.end_s, maximum=MAX_TIME_S)
        if self.end_s < self.start_s:
            raise ValidationError("end_s", f"window ends ({self.end_s}) before it starts ({self.start_s})")

    def contains(self, t_s: int) -> bool:
        """True when `t_s` lies in the window (ends included)."""
        return self.start_s <= t_s <= self.end_s


@dataclass(frozen=True, slots=True)
class Load:
    """An amount in each capacity dimension a vehicle has."""

    weight_g: int = 0
    volume_cm3: int = 0
    parcels: int = 0

    DIMENSIONS = ("weight_g", "volume_cm3", "parcels")

    def __post_init__(self) -> None:
        for name in self.DIMENSIONS:
            require_int(name, getattr(self, name))

    def as_tuple(self) -> tuple[int, int, int]:
        """(weight_g, volume_cm3, parcels)."""
        return (self.weight_g, self.volume_cm3, self.parcels)

    def __add__(self, other: Load) -> Load:
        return Load(*(a + b for a, b in zip(self.as_tuple(), other.as_tuple(), strict=True)))

    def exceeded_dimensions(self, capacity: Load) -> tuple[str, ...]:
        """Names of the dimensions in which this load is larger than `capacity`."""
        return tuple(
            name
            for name, amount, limit in zip(self.DIMENSIONS, self.as_tuple(), capacity.as_tuple(), strict=True)
            if amount > limit
        )


@dataclass(frozen=True, slots=True)
class Parcel:
    """`count` identical parcels of the given unit weight and volume."""

    weight_g: int
    volume_cm3: int
    count: int = 1

    def __post_init__(self) -> None:
        require_int("weight_g", self.weight_g)
        require_int("volume_cm3", self.volume_cm3)
        require_int("count", self.count, minimum=1)

    @property
    def load(self) -> Load:
        """What the parcel line weighs, fills and counts."""
        return Load(self.weight_g * self.count, self.volume_cm3 * self.count, self.count)


def total_load(parcels: Iterable[Parcel]) -> Load:
    """The summed load of parcel lines."""
    result = Load()
    for parcel in parcels:
        result = result + parcel.load
    return result


def _check_windows(windows: tuple[TimeWindow, ...]) -> None:
    if not windows:
        raise ValidationError("time_windows", "at least one window is required")
    for i, window in enumerate(windows):
        if not isinstance(window, TimeWindow):
            raise ValidationError(f"time_windows[{i}]", "must be a TimeWindow")
        if i and window.start_s <= windows[i - 1].end_s:
            raise ValidationError(f"time_windows[{i}]", "windows must be sorted by start and must not overlap or touch")


def _check_skills(name: str, skills: frozenset[str]) -> None:
    for skill in skills:
        require_id(name, skill)


@dataclass(frozen=True, slots=True)
class PickupRequest:
    """A doorstep pickup: collect `parcels` inside one of `time_windows`.

    For an exchange, `delivery_parcels` (the replacement item) leave the depot on the courier's
    vehicle and are handed over at the same stop. An optional request (`mandatory=False`) may be
    left out at a cost of `penalty_cents`; a mandatory one is left out only if it cannot be served.
    """

    id: str
    location: Location
    time_windows: tuple[TimeWindow, ...]
    service_s: int
    parcels: tuple[Parcel, ...]
    delivery_parcels: tuple[Parcel, ...] = ()
    required_skills: frozenset[str] = field(default_factory=frozenset)
    mandatory: bool = True
    penalty_cents: int = 0

    def __post_init__(self) -> None:
        require_id("id", self.id)
        _check_windows(self.time_windows)
        require_int("service_s", self.service_s, maximum=MAX_TIME_S)
        if not self.parcels:
            raise ValidationError("parcels", "a pickup collects at least one parcel")
        _check_skills("required_skills", self.required_skills)
        if not isinstance(self.mandatory, bool):
            raise ValidationError("mandatory", f"must be true or false, got {self.mandatory!r}")
        require_int("penalty_cents", self.penalty_cents)
        if self.mandatory and self.penalty_cents:
            raise ValidationError("penalty_cents", "only an optional request (mandatory=false) has a penalty")

    @property
    def pickup_load(self) -> Load:
        """What the courier collects here."""
        return total_load(self.parcels)

    @property
    def delivery_load(self) -> Load:
        """What the courier hands over here (an exchange's new item), on board from the start depot."""
        return total_load(self.delivery_parcels)

    @property
    def is_exchange(self) -> bool:
        """True when the stop also delivers an item."""
        return bool(self.delivery_parcels)


@dataclass(frozen=True, slots=True)
class Depot:
    """Where couriers start and end their shifts (and where exchange items are loaded)."""

    id: str
    location: Location

    def __post_init__(self) -> None:
        require_id("id", self.id)


@dataclass(frozen=True, slots=True)
class Courier:
    """A courier with a vehicle: shift, capacity, skills and costs.

    `speed_factor` scales speed: travel time is ``round(duration_s / speed_factor)`` (0.8 is a
    slower vehicle). `locked_stop_ids` are requests this courier has already served or is serving,
    in order: a re-plan keeps them as the first stops of its route.
    """

    id: str
    start_depot_id: str
    end_depot_id: str
    shift: TimeWindow
    capacity: Load
    skills: frozenset[str] = field(default_factory=frozenset)
    fixed_cost_cents: int = 0
    cost_per_km_cents: int = 0
    cost_per_hour_cents: int = 0
    max_route_duration_s: int | None = None
    speed_factor: float = 1.0
    locked_stop_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        require_id("id", self.id)
        require_id("start_depot_id", self.start_depot_id)
        require_id("end_depot_id", self.end_depot_id)
        _check_skills("skills", self.skills)
        require_int("fixed_cost_cents", self.fixed_cost_cents)
        for name in ("cost_per_km_cents", "cost_per_hour_cents"):
            require_int(name, getattr(self, name), maximum=MAX_RATE_CENTS)
        if self.max_route_duration_s is not None:
            require_int("max_route_duration_s", self.max_route_duration_s, minimum=1, maximum=MAX_TIME_S)
        factor = self.speed_factor
        if isinstance(factor, bool) or not isinstance(factor, int | float) or not math.isfinite(factor):
            raise ValidationError("speed_factor", f"must be a finite number, got {factor!r}")
        if not 0.05 <= factor <= 20:
            raise ValidationError("speed_factor", f"must be within [0.05, 20], got {factor}")
        if len(set(self.locked_stop_ids)) != len(self.locked_stop_ids):
            raise ValidationError("locked_stop_ids", "a request appears twice")

    @property
    def duration_limit_s(self) -> int:
        """The longest route this courier may drive: its max duration, capped by its shift."""
        shift_length = self.shift.end_s - self.shift.start_s
        if self.max_route_duration_s is None:
            return shift_length
        return min(shift_length, self.max_route_duration_s)


@dataclass(frozen=True, slots=True)
class DropOffPoint:
    """Where a shopper can hand in a return (parcel locker or partner store); returns are consolidated there."""

    id: str
    location: Location
    kind: str = "locker"

    def __post_init__(self) -> None:
        require_id("id", self.id)
        require_id("kind", self.kind)


@dataclass(frozen=True, slots=True)
class CenterCategory:
    """What a processing center charges and recovers for one item category, and its daily limit for it.

    `recovery_cents` is what the center's resale channel realises per item; `capacity_per_day=None`
    means only the center's total capacity limits this category.
    """

    cost_cents: int
    recovery_cents: int = 0
    capacity_per_day: int | None = None

    def __post_init__(self) -> None:
        require_int("cost_cents", self.cost_cents)
        require_int("recovery_cents", self.recovery_cents)
        if self.capacity_per_day is not None:
            require_int("capacity_per_day", self.capacity_per_day)


@dataclass(frozen=True, slots=True)
class ProcessingCenter:
    """A center that inspects, grades and resells returns: daily capacity and per-category terms.

    The categories it lists are its capabilities: it cannot take an item of any other category.
    """

    id: str
    location: Location
    capacity_per_day: int
    categories: Mapping[str, CenterCategory]

    def __post_init__(self) -> None:
        require_id("id", self.id)
        require_int("capacity_per_day", self.capacity_per_day)
        if not self.categories:
            raise ValidationError("categories", "a processing center must be able to process at least one category")
        for name, terms in self.categories.items():
            require_id("categories", name)
            if not isinstance(terms, CenterCategory):
                raise ValidationError(f"categories.{name}", "must be a CenterCategory")


@dataclass(frozen=True, slots=True)
class LineHaulTariff:
    """What moving one return from its consolidation point to a processing center costs.

    ``per_parcel_cents + millicents_per_kg_km * chargeable_kg * km / 1000``, where the chargeable
    weight is rounded up to the next whole kilogram (as Chinese express tariffs bill). Beyond the
    mapped road network a center is reached via the nearest major road, then `off_network_detour`
    times the straight line.
    """

    per_parcel_cents: int = 100
    millicents_per_kg_km: int = 600
    off_network_detour: float = 1.3

    def __post_init__(self) -> None:
        require_int("per_parcel_cents", self.per_parcel_cents)
        require_int("millicents_per_kg_km", self.millicents_per_kg_km, maximum=MAX_RATE_CENTS)
        detour = self.off_network_detour
        if isinstance(detour, bool) or not isinstance(detour, int | float) or not 1.0 <= detour <= 5.0:
            raise ValidationError("off_network_detour", f"must be within [1, 5], got {detour!r}")
