"""A return's journey as a state machine: which event may come next, and what its status becomes.

Pure data and functions (no web, no database), so the service, the tests and a property test share
one rule. Stages (issue 12): `requested`, then `pickup_booked` or `drop_off_registered`, then
`picked_up` or `dropped_off`, then `at_depot` (pickups), `dispatched`, `received`, `inspected` and
`refunded`. Events come in from couriers, drop-off points and centers; a pickup that failed
(`pickup_failed`) waits to be rebooked (`rebooked`) or to become a drop-off. `at_depot` and
`dispatched` are not events anyone sends: they follow from the routes and the line-haul times.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    """Where a return is now."""

    PICKUP_BOOKED = "pickup_booked"
    PICKUP_FAILED = "pickup_failed"
    DROP_OFF_REGISTERED = "drop_off_registered"
    PICKED_UP = "picked_up"
    DROPPED_OFF = "dropped_off"
    RECEIVED = "received"
    INSPECTED = "inspected"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


class EventType(StrEnum):
    """What may be reported about a return."""

    PICKED_UP = "picked_up"
    PICKUP_FAILED = "pickup_failed"
    REBOOKED = "rebooked"
    DROPPED_OFF = "dropped_off"
    RECEIVED = "received"
    INSPECTED = "inspected"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


FAILURE_REASONS = ("not_home", "refused", "wrong_address", "item_not_ready")
GRADES = ("A", "B", "C", "D")
DISPOSITIONS = ("restock", "refurbish", "liquidate", "recycle")

TRANSITIONS: dict[Status, dict[EventType, Status]] = {
    Status.PICKUP_BOOKED: {
        EventType.PICKED_UP: Status.PICKED_UP,
        EventType.PICKUP_FAILED: Status.PICKUP_FAILED,
        EventType.CANCELLED: Status.CANCELLED,
    },
    Status.PICKUP_FAILED: {
        EventType.REBOOKED: Status.PICKUP_BOOKED,
        EventType.DROPPED_OFF: Status.DROPPED_OFF,
        EventType.CANCELLED: Status.CANCELLED,
    },
    Status.DROP_OFF_REGISTERED: {EventType.DROPPED_OFF: Status.DROPPED_OFF},
    Status.PICKED_UP: {EventType.RECEIVED: Status.RECEIVED},
    Status.DROPPED_OFF: {EventType.RECEIVED: Status.RECEIVED},
    Status.RECEIVED: {EventType.INSPECTED: Status.INSPECTED},
    Status.INSPECTED: {EventType.REFUNDED: Status.REFUNDED},
    Status.REFUNDED: {},
    Status.CANCELLED: {},
}
"""Every status and the events it accepts; anything else is refused (`409 invalid_transition`)."""


@dataclass(frozen=True)
class TransitionRefusedError(Exception):
    """An event the return's status does not allow, with a stable code for the API."""

    status: Status
    event: EventType
    code: str = "invalid_transition"

    def __str__(self) -> str:
        return f"a return that is {self.status.value} cannot be {self.event.value}"


def after(status: Status, event: EventType, *, failed_attempts: int = 0, max_attempts: int = 2) -> Status:
    """The status after `event`, or `TransitionRefusedError`.

    A failed pickup is rebooked at most `max_attempts` times in all; after that only a drop-off
    (or cancelling) is left (`TransitionRefusedError` with code `attempts_exhausted`).
    """
    nxt = TRANSITIONS[status].get(event)
    if nxt is None:
        raise TransitionRefusedError(status, event)
    if event is EventType.REBOOKED and failed_attempts >= max_attempts:
        raise TransitionRefusedError(status, event, "attempts_exhausted")
    return nxt


def replay(start: Status, events: list[EventType], *, max_attempts: int = 2) -> Status:
    """The status after every event in order (the stored log is replayed the same way)."""
    status, failures = start, 0
    for event in events:
        status = after(status, event, failed_attempts=failures, max_attempts=max_attempts)
        failures += event is EventType.PICKUP_FAILED
    return status


def is_final(status: Status) -> bool:
    """Nothing can happen after a refund or a cancellation."""
    return not TRANSITIONS[status]
