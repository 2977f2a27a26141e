"""A day's live plan as data: courier routes of stops, each with its road node and the leg that reaches it.

The plan is self-contained, so it is stored as JSON (one row per route) and read by any worker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from optimizer.domain import Load, TimeWindow

NO_LOAD = Load()
"""What a stop delivers when it is no exchange."""


@dataclass(frozen=True, slots=True)
class LiveStop:
    """A booked pickup in a route: where (road node), when (its slot), what, and the leg that reaches it."""

    booking_id: str
    node: int
    access_m: float
    window: TimeWindow
    service_s: int
    load: Load
    skills: frozenset[str]
    leg_s: int
    """Seconds from the previous point (depot or stop) at speed factor 1."""
    leg_m: int
    done: bool = False
    """Picked up (reported by an event)."""
    passed: bool = False
    """The courier reported being past it (a failed pickup after it), done or not."""
    delivery: Load = NO_LOAD
    """An exchange's replacement item: loaded at the start depot, handed over at this stop."""

    @property
    def behind(self) -> bool:
        """The courier is at or past this stop: it and every stop before it stay where they are."""
        return self.done or self.passed


@dataclass(frozen=True, slots=True)
class LiveRoute:
    """One courier's stops in order and the leg back to the end depot."""

    courier_id: str
    stops: tuple[LiveStop, ...]
    end_leg_s: int
    end_leg_m: int

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form (`from_json` reads it back exactly); stored one row per route."""
        return {
            "end_leg": [self.end_leg_s, self.end_leg_m],
            "stops": [
                [
                    s.booking_id,
                    s.node,
                    s.access_m,
                    s.window.start_s,
                    s.window.end_s,
                    s.service_s,
                    list(s.load.as_tuple()),
                    sorted(s.skills),
                    s.leg_s,
                    s.leg_m,
                    *([_extras(s)] if s.behind or any(s.delivery.as_tuple()) else []),
                ]
                for s in self.stops
            ],
        }

    @classmethod
    def from_json(cls, courier_id: str, data: Mapping[str, Any]) -> LiveRoute:
        """Read back what `to_json` wrote."""
        stops = tuple(
            LiveStop(
                booking_id=b,
                node=int(node),
                access_m=float(access),
                window=TimeWindow(int(start), int(end)),
                service_s=int(service),
                load=Load(*(int(v) for v in load)),
                skills=frozenset(skills),
                leg_s=int(leg_s),
                leg_m=int(leg_m),
                done=bool(extra and extra[0].get("done")),
                passed=bool(extra and extra[0].get("passed")),
                delivery=Load(*(int(v) for v in (extra[0].get("delivery", (0, 0, 0)) if extra else (0, 0, 0)))),
            )
            for b, node, access, start, end, service, load, skills, leg_s, leg_m, *extra in data["stops"]
        )
        return cls(courier_id, stops, int(data["end_leg"][0]), int(data["end_leg"][1]))


def _extras(stop: LiveStop) -> dict[str, Any]:
    """What only some stops have, stored after the fixed fields: done, passed, an exchange's delivery."""
    extras: dict[str, Any] = {name: True for name in ("done", "passed") if getattr(stop, name)}
    if any(stop.delivery.as_tuple()):
        extras["delivery"] = list(stop.delivery.as_tuple())
    return extras


@dataclass(frozen=True)
class DayPlan:
    """Every courier's route for the day (empty routes included)."""

    routes: Mapping[str, LiveRoute]

    def booking_ids(self) -> set[str]:
        """Every booking in the plan."""
        return {stop.booking_id for route in self.routes.values() for stop in route.stops}

    def done_prefixes(self) -> dict[str, list[str]]:
        """Per courier the events placed, its stops up to the last one it is at or past (`LiveStop.behind`)."""
        done: dict[str, list[str]] = {}
        for courier, route in self.routes.items():
            last = max((k for k, stop in enumerate(route.stops) if stop.behind), default=-1)
            if last >= 0:
                done[courier] = [stop.booking_id for stop in route.stops[: last + 1]]
        return done

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form, route by route (`from_json` reads it back exactly)."""
        return {courier: route.to_json() for courier, route in self.routes.items()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DayPlan:
        """Read back what `to_json` wrote."""
        return cls({courier: LiveRoute.from_json(courier, entry) for courier, entry in data.items()})

    def changed_routes(self, before: DayPlan) -> list[str]:
        """Couriers whose route differs from `before` (by identity: plans share unchanged routes)."""
        return [c for c, route in self.routes.items() if before.routes.get(c) is not route]
