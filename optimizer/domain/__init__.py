"""The domain model and its vocabulary.

Domain model: frozen dataclasses with units in their field names, validated on construction, and the
vocabulary (slot grid, reason codes, categories) every layer shares.
"""

from optimizer.domain.model import (
    DEFAULT_SKILLS,
    MAX_AMOUNT,
    MAX_RATE_CENTS,
    MAX_TIME_S,
    CenterCategory,
    Courier,
    Depot,
    DropOffPoint,
    LineHaulTariff,
    Load,
    Location,
    Parcel,
    PickupRequest,
    ProcessingCenter,
    TimeWindow,
    total_load,
)
from optimizer.domain.returns import Return
from optimizer.domain.vocabulary import CATEGORIES, METHODS, OTHER_REASONS, QUALITY_REASONS, REASON_CODES, SlotGrid

__all__ = [
    "CATEGORIES",
    "DEFAULT_SKILLS",
    "MAX_AMOUNT",
    "MAX_RATE_CENTS",
    "MAX_TIME_S",
    "METHODS",
    "OTHER_REASONS",
    "QUALITY_REASONS",
    "REASON_CODES",
    "CenterCategory",
    "Courier",
    "Depot",
    "DropOffPoint",
    "LineHaulTariff",
    "Load",
    "Location",
    "Parcel",
    "PickupRequest",
    "ProcessingCenter",
    "Return",
    "SlotGrid",
    "TimeWindow",
    "total_load",
]
