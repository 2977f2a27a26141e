"""Quotes and slot lists: computed off the event loop, on a few threads, and refused early past capacity.

A quote or a slot list is milliseconds of CPU. Run on the event loop, it stalls every other request of
the worker (`/healthz` included); run on the 40 threads of the blocking pool, forty of them share one
interpreter lock and each takes forty times longer. So each worker computes them on `threads`
threads (sized to the cores), keeps at most `max_in_flight` computing or waiting, and answers `429`
with `Retry-After` at once beyond that: the accepted ones stay fast, and the client knows to come back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread

from api.errors import RateLimitedError

T = TypeVar("T")
RETRY_AFTER_S = 1


class CpuGate:
    """At most `threads` CPU-bound reads running and `max_in_flight` admitted per worker; more are refused."""

    def __init__(self, threads: int, max_in_flight: int) -> None:
        self.limiter = anyio.CapacityLimiter(threads)
        self.max_in_flight = max(threads, max_in_flight)
        self.in_flight = 0  # read and written on the worker's event loop only: no lock

    @property
    def full(self) -> bool:
        """Whether one more would be refused (the admission middleware asks before the route runs)."""
        return self.in_flight >= self.max_in_flight

    def refusal(self) -> RateLimitedError:
        """The `429` for a request the gate cannot take."""
        return RateLimitedError(
            f"this worker is computing {self.in_flight} quotes and slot lists already; retry shortly",
            retry_after_s=RETRY_AFTER_S,
        )

    async def run(self, work: Callable[..., T], *args: object) -> T:
        """`work(*args)` on one of the gate's threads, or `RateLimitedError` (429) when the worker is full."""
        if self.full:
            raise self.refusal()
        self.in_flight += 1
        try:
            return await anyio.to_thread.run_sync(work, *args, limiter=self.limiter)
        finally:
            self.in_flight -= 1
