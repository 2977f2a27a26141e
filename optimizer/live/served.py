"""When couriers serve their live routes: every stop as early as it can be, from the start of the shift.

What a booking's timeline and a day's route sheet show (`LivePlanner.schedule`, `placed`,
`back_at_depot`), apart from pricing, which tests insertions rather than timing a whole route.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from optimizer.domain import Courier
from optimizer.live.plan import DayPlan, LiveRoute
from optimizer.timing import ForwardPass, serve_in_order


def scaled(seconds: int, factor: float) -> int:
    """Travel seconds at a courier's speed factor."""
    return seconds if factor == 1.0 else int(np.rint(seconds / factor))


def timed(courier: Courier, route: LiveRoute) -> ForwardPass:
    """The route served as early as possible from the start of the courier's shift."""
    stops = route.stops
    return serve_in_order(
        courier.shift.start_s,
        [scaled(s.leg_s, courier.speed_factor) for s in stops],
        [(s.window,) for s in stops],
        [s.service_s for s in stops],
    )


def schedule(couriers: Mapping[str, Courier], plan: DayPlan) -> dict[str, tuple[str, int]]:
    """Courier and earliest service start of every booking in the plan."""
    found: dict[str, tuple[str, int]] = {}
    for courier_id, courier in couriers.items():
        route = plan.routes[courier_id]
        for stop, begin in zip(route.stops, timed(courier, route).service_starts_s, strict=True):
            found[stop.booking_id] = (courier_id, begin)
    return found


def placed(couriers: Mapping[str, Courier], plan: DayPlan, booking_id: str) -> tuple[str, int] | None:
    """Courier and earliest service start of one booking (None if not in the plan), as `schedule` has them.

    Times only the route that holds it: a booking's own view must not cost the whole day.
    """
    for courier_id, route in plan.routes.items():
        for k, stop in enumerate(route.stops):
            if stop.booking_id == booking_id:
                return courier_id, timed(couriers[courier_id], route).service_starts_s[k]
    return None


def back_at_depot(courier: Courier, route: LiveRoute) -> int:
    """When the courier (who has stops) is back at its end depot, serving as `schedule` does (seconds of the day)."""
    last = timed(courier, route).service_starts_s[-1] + route.stops[-1].service_s
    return last + scaled(route.end_leg_s, courier.speed_factor)
