"""The return's state machine (issue 12): a property test over every sequence of events."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from api.journey import TRANSITIONS, EventType, Status, TransitionRefusedError, after, is_final, replay

STARTS = (Status.PICKUP_BOOKED, Status.DROP_OFF_REGISTERED)
ORDER = {
    Status.PICKUP_BOOKED: 0,
    Status.DROP_OFF_REGISTERED: 0,
    Status.PICKUP_FAILED: 0,
    Status.PICKED_UP: 1,
    Status.DROPPED_OFF: 1,
    Status.RECEIVED: 2,
    Status.INSPECTED: 3,
    Status.REFUNDED: 4,
    Status.CANCELLED: 4,
}
"""How far along each status is: the journey never goes back."""


@given(start=st.sampled_from(STARTS), events=st.lists(st.sampled_from(list(EventType)), max_size=12))
def test_any_sequence_either_follows_the_table_or_is_refused_without_going_back(
    start: Status, events: list[EventType]
) -> None:
    status, failures = start, 0
    for event in events:
        allowed = event in TRANSITIONS[status] and not (event is EventType.REBOOKED and failures >= 2)
        if not allowed:
            with pytest.raises(TransitionRefusedError):
                after(status, event, failed_attempts=failures)
            continue
        nxt = after(status, event, failed_attempts=failures)
        assert TRANSITIONS[status][event] is nxt
        assert ORDER[nxt] >= ORDER[status]
        assert not is_final(status)
        failures += event is EventType.PICKUP_FAILED
        status = nxt


@given(events=st.lists(st.sampled_from([EventType.PICKUP_FAILED, EventType.REBOOKED]), max_size=8))
def test_a_failed_pickup_is_rebooked_at_most_the_allowed_times(events: list[EventType]) -> None:
    rebooks, status, failures = 0, Status.PICKUP_BOOKED, 0
    for event in events:
        try:
            status = after(status, event, failed_attempts=failures, max_attempts=2)
        except TransitionRefusedError:
            continue
        failures += event is EventType.PICKUP_FAILED
        rebooks += event is EventType.REBOOKED
    assert rebooks <= 2


def test_a_pickup_and_a_drop_off_each_reach_the_refund() -> None:
    pickup = [EventType.PICKED_UP, EventType.RECEIVED, EventType.INSPECTED, EventType.REFUNDED]
    assert replay(Status.PICKUP_BOOKED, pickup) is Status.REFUNDED
    drop_off = [EventType.DROPPED_OFF, EventType.RECEIVED, EventType.INSPECTED, EventType.REFUNDED]
    assert replay(Status.DROP_OFF_REGISTERED, drop_off) is Status.REFUNDED
    failed = [EventType.PICKUP_FAILED, EventType.REBOOKED, EventType.PICKUP_FAILED, EventType.DROPPED_OFF]
    assert replay(Status.PICKUP_BOOKED, failed) is Status.DROPPED_OFF
    with pytest.raises(TransitionRefusedError, match="cannot be refunded"):
        replay(Status.PICKUP_BOOKED, [EventType.PICKED_UP, EventType.REFUNDED])
