"""Independent validator: re-checks a result against the raw problem, sharing no code with the solver.

It reads only the domain objects and the travel matrix, recomputes travel times, loads, distances
and costs with its own arithmetic, and checks the times and loads the result reports. Tests and
benchmarks run it on every solution; `validate` returns the list of problems found (empty = valid).
"""

from __future__ import annotations

import math
from collections import Counter

from optimizer.domain import Courier, Parcel, PickupRequest
from optimizer.routing.problem import RoutingProblem
from optimizer.routing.result import Route, RoutingResult, UnassignedReason

_COST_TOLERANCE_CENTS = 1e-6


def _load(parcel_lines: tuple[Parcel, ...]) -> list[int]:
    weight = volume = count = 0
    for line in parcel_lines:
        weight += line.weight_g * line.count
        volume += line.volume_cm3 * line.count
        count += line.count
    return [weight, volume, count]


class _Checker:
    def __init__(self, problem: RoutingProblem, result: RoutingResult) -> None:
        self.problem = problem
        self.result = result
        self.errors: list[str] = []
        self.requests = {r.id: (i, r) for i, r in enumerate(problem.requests)}
        self.couriers = {c.id: c for c in problem.couriers}
        self.n_depots = len(problem.depots)
        self.depot_point = {d.id: i for i, d in enumerate(problem.depots)}

    def fail(self, message: str) -> None:
        self.errors.append(message)

    def point(self, request_id: str) -> int:
        return self.n_depots + self.requests[request_id][0]

    def travel(self, courier: Courier, a: int, b: int) -> int:
        return round(int(self.problem.matrix.duration_s[a, b]) / courier.speed_factor)

    def run(self) -> list[str]:
        seen: Counter[str] = Counter()
        used: Counter[str] = Counter()
        total = [0.0, 0.0, 0.0, 0.0]
        for route in self.result.routes:
            used[route.courier_id] += 1
            if route.courier_id not in self.couriers:
                self.fail(f"route for unknown courier {route.courier_id!r}")
                continue
            for stop in route.stops:
                seen[stop.request_id] += 1
            if any(stop.request_id not in self.requests for stop in route.stops):
                self.fail(f"courier {route.courier_id}: route visits an unknown request")
                continue
            costs = self.route(route, self.couriers[route.courier_id])
            for k in range(3):
                total[k] += costs[k]
        for courier_id, n in used.items():
            if n > 1:
                self.fail(f"courier {courier_id} has {n} routes")
        for unassigned in self.result.unassigned:
            seen[unassigned.request_id] += 1
            if unassigned.request_id not in self.requests:
                self.fail(f"unassigned list names unknown request {unassigned.request_id!r}")
                continue
            request = self.requests[unassigned.request_id][1]
            total[3] += 0 if request.mandatory else request.penalty_cents
            self.reason(request, unassigned.reason)
        for request_id in self.requests:
            if seen[request_id] != 1:
                self.fail(f"request {request_id} is served or listed {seen[request_id]} times, expected once")
        self.totals(total)
        return self.errors

    def route(self, route: Route, courier: Courier) -> tuple[float, float, float]:
        where = f"courier {courier.id}"
        ids = [stop.request_id for stop in route.stops]
        if not ids:
            self.fail(f"{where}: an empty route is reported")
        locked = list(courier.locked_stop_ids)
        if ids[: len(locked)] != locked:
            self.fail(f"{where}: route does not begin with its locked stops {locked}")
        # Loads: the exchange items are on board from the depot until their stop.
        on_board = [0, 0, 0]
        for request_id in ids:
            delivered = _load(self.requests[request_id][1].delivery_parcels)
            on_board = [a + b for a, b in zip(on_board, delivered, strict=True)]
        capacity = [courier.capacity.weight_g, courier.capacity.volume_cm3, courier.capacity.parcels]
        if [route.load_at_start.weight_g, route.load_at_start.volume_cm3, route.load_at_start.parcels] != on_board:
            self.fail(f"{where}: reported start load {route.load_at_start} != {on_board}")
        if any(a > c for a, c in zip(on_board, capacity, strict=True)):
            self.fail(f"{where}: start load {on_board} exceeds capacity {capacity}")
        # Times, distance, skills.
        position = self.depot_point[courier.start_depot_id]
        clock = route.start_s
        if route.start_s < courier.shift.start_s:
            self.fail(f"{where}: leaves at {route.start_s}, before its shift starts ({courier.shift.start_s})")
        metres = 0
        for stop in route.stops:
            request = self.requests[stop.request_id][1]
            label = f"{where}, stop {stop.request_id}"
            missing = request.required_skills - courier.skills
            if missing:
                self.fail(f"{label}: courier lacks skills {sorted(missing)}")
            target = self.point(stop.request_id)
            expected_arrival = clock + self.travel(courier, position, target)
            metres += int(self.problem.matrix.distance_m[position, target])
            if stop.arrival_s != expected_arrival:
                self.fail(f"{label}: arrival {stop.arrival_s} != departure + travel = {expected_arrival}")
            if stop.service_start_s < stop.arrival_s:
                self.fail(f"{label}: service starts at {stop.service_start_s}, before arrival {stop.arrival_s}")
            if not any(w.start_s <= stop.service_start_s <= w.end_s for w in request.time_windows):
                self.fail(f"{label}: service start {stop.service_start_s} is outside every time window")
            if stop.departure_s != stop.service_start_s + request.service_s:
                self.fail(f"{label}: departure {stop.departure_s} != service start + {request.service_s} s")
            delivered = _load(request.delivery_parcels)
            picked = _load(request.parcels)
            on_board = [a - d + p for a, d, p in zip(on_board, delivered, picked, strict=True)]
            reported = [stop.load_after.weight_g, stop.load_after.volume_cm3, stop.load_after.parcels]
            if reported != on_board:
                self.fail(f"{label}: reported load {reported} != {on_board}")
            if any(a > c for a, c in zip(on_board, capacity, strict=True)):
                self.fail(f"{label}: load {on_board} exceeds capacity {capacity}")
            clock = stop.departure_s
            position = target
        end_depot = self.depot_point[courier.end_depot_id]
        metres += int(self.problem.matrix.distance_m[position, end_depot])
        if route.end_s != clock + self.travel(courier, position, end_depot):
            self.fail(f"{where}: end {route.end_s} != last departure + travel back")
        if route.end_s > courier.shift.end_s:
            self.fail(f"{where}: returns at {route.end_s}, after its shift ends ({courier.shift.end_s})")
        limit = courier.max_route_duration_s
        if limit is not None and route.end_s - route.start_s > limit:
            self.fail(f"{where}: route lasts {route.end_s - route.start_s} s, longer than {limit} s")
        if route.distance_m != metres:
            self.fail(f"{where}: reported distance {route.distance_m} m != {metres} m")
        distance_cents = courier.cost_per_km_cents * metres / 1000
        duration_cents = courier.cost_per_hour_cents * (route.end_s - route.start_s) / 3600
        fixed_cents = float(courier.fixed_cost_cents)
        for name, reported_cents, expected_cents in (
            ("distance", route.cost.distance_cents, distance_cents),
            ("duration", route.cost.duration_cents, duration_cents),
            ("fixed", route.cost.fixed_cents, fixed_cents),
        ):
            if not math.isclose(reported_cents, expected_cents, abs_tol=_COST_TOLERANCE_CENTS):
                self.fail(f"{where}: {name} cost {reported_cents} != {expected_cents}")
        return distance_cents, duration_cents, fixed_cents

    def reason(self, request: PickupRequest, reason: UnassignedReason) -> None:
        """Check the reasons that can be checked from the problem alone."""
        capable = [c for c in self.problem.couriers if request.required_skills <= c.skills]
        if reason is UnassignedReason.NO_SKILLED_COURIER and capable:
            self.fail(f"request {request.id}: reported no skilled courier, but {capable[0].id} has the skills")
        if reason is UnassignedReason.EXCEEDS_VEHICLE_CAPACITY:
            picked, delivered = _load(request.parcels), _load(request.delivery_parcels)
            for c in capable:
                capacity = [c.capacity.weight_g, c.capacity.volume_cm3, c.capacity.parcels]
                if all(p <= k and d <= k for p, d, k in zip(picked, delivered, capacity, strict=True)):
                    self.fail(f"request {request.id}: reported too large, but it fits courier {c.id}")
                    break

    def totals(self, total: list[float]) -> None:
        cost = self.result.cost
        for name, reported_cents, expected_cents in (
            ("distance", cost.distance_cents, total[0]),
            ("duration", cost.duration_cents, total[1]),
            ("fixed", cost.fixed_cents, total[2]),
            ("penalty", cost.penalty_cents, total[3]),
        ):
            if not math.isclose(reported_cents, expected_cents, rel_tol=1e-9, abs_tol=_COST_TOLERANCE_CENTS):
                self.fail(f"total {name} cost {reported_cents} != {expected_cents}")


def validate(problem: RoutingProblem, result: RoutingResult) -> list[str]:
    """Every way `result` breaks `problem`'s constraints or misreports itself (empty list: valid)."""
    return _Checker(problem, result).run()
