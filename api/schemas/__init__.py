"""Request and response schemas: the service's public contract.

Request and response schemas (pydantic): the service's public contract, converted to and from the
domain at the edge. Every bound here is also a guard: nothing a client sends can ask for unbounded work.
"""

from api.schemas.assignments import (
    AssignedReturn,
    AssignmentCreate,
    AssignmentPublic,
    AssignmentReturn,
    CenterUsePublic,
    ReassignmentPublic,
    UnassignedReturn,
)
from api.schemas.common import (
    Category,
    ErrorCode,
    FieldProblem,
    Id,
    IsoDate,
    LatLon,
    ParcelIn,
    PayerShare,
    Problem,
    Reason,
    ReturnFields,
    Strict,
)
from api.schemas.plans import DayRoutesPublic, PlanCreate, PlanJobPublic, PlanRoute, PlanStop
from api.schemas.quotes import QuoteCreate, QuoteOption, QuotePublic, SlotPublic, SlotsPublic
from api.schemas.returns import DropOffCreate, DropOffPublic, PickupCreate, PickupPublic, PickupUpdate, TimelineEvent

__all__ = [
    "AssignedReturn",
    "AssignmentCreate",
    "AssignmentPublic",
    "AssignmentReturn",
    "Category",
    "CenterUsePublic",
    "DayRoutesPublic",
    "DropOffCreate",
    "DropOffPublic",
    "ErrorCode",
    "FieldProblem",
    "Id",
    "IsoDate",
    "LatLon",
    "ParcelIn",
    "PayerShare",
    "PickupCreate",
    "PickupPublic",
    "PickupUpdate",
    "PlanCreate",
    "PlanJobPublic",
    "PlanRoute",
    "PlanStop",
    "Problem",
    "QuoteCreate",
    "QuoteOption",
    "QuotePublic",
    "Reason",
    "ReassignmentPublic",
    "ReturnFields",
    "SlotPublic",
    "SlotsPublic",
    "Strict",
    "TimelineEvent",
    "UnassignedReturn",
]
