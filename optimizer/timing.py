"""Route timing: when each stop of a sequence is served if the courier goes on as early as it can.

The one forward pass of the planning side: the routing schedule (`routing.schedule`), the live plans'
insertion positions and estimates (`live.pricer`) and the scenario baseline all time routes with it.
The independent validator (`routing.validator`) does not: it re-derives every time itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from optimizer.domain import TimeWindow


@dataclass(frozen=True, slots=True)
class ForwardPass:
    """Arrival, service start and the window used at each stop, and what the pass found on the way.

    `feasible` is False when some stop was reached after the end of its last window; that stop is then
    served on arrival and counted against its last window.
    """

    arrivals_s: tuple[int, ...]
    service_starts_s: tuple[int, ...]
    windows: tuple[TimeWindow, ...]
    waiting_s: int
    departure_s: int
    """When the courier leaves the last stop (the start time when there is none)."""
    feasible: bool


def first_window_from(windows: Sequence[TimeWindow], t_s: int) -> TimeWindow | None:
    """The first window that has not ended at `t_s` (None: all have)."""
    for window in windows:
        if window.end_s >= t_s:
            return window
    return None


def serve_in_order(
    start_s: int, legs_s: Sequence[int], windows: Sequence[Sequence[TimeWindow]], service_s: Sequence[int]
) -> ForwardPass:
    """Leave at `start_s`, drive `legs_s[k]` to stop k, wait for its first open window, serve it, go on.

    Parameters
    ----------
    start_s
        Departure from the start point.
    legs_s
        Travel time to each stop from the point before it (at least one per stop; extra legs are ignored).
    windows
        Each stop's windows, in order.
    service_s
        Each stop's service time.
    """
    t, waiting, feasible = start_s, 0, True
    arrivals: list[int] = []
    starts: list[int] = []
    used: list[TimeWindow] = []
    for leg, options, service in zip(legs_s, windows, service_s, strict=False):
        arrive = t + leg
        window = first_window_from(options, arrive)
        if window is None:
            feasible, window = False, options[-1]
        begin = max(arrive, window.start_s)
        waiting += begin - arrive
        arrivals.append(arrive)
        starts.append(begin)
        used.append(window)
        t = begin + service
    return ForwardPass(tuple(arrivals), tuple(starts), tuple(used), waiting, t, feasible)
