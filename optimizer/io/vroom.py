"""VROOM's JSON input (github.com/VROOM-Project/vroom, docs/API.md) to and from Backhaul's problem document.

What maps (docs/formats.md, "VROOM files"):
- `jobs` -> requests: `location` or `location_index`, `setup` + `service` -> `service_s` (a stop
  is one visit), `pickup` -> parcels, `delivery` -> an exchange's `delivery_parcels`, `skills`,
  `time_windows`;
- `vehicles` -> couriers and their start and end depots: `capacity`, `costs` (`fixed`, `per_hour`,
  `per_km`, as cents), `skills`, `time_window` -> shift, `speed_factor`, `steps` -> a warm start;
- amounts -> weight, volume and parcels, by `dimensions` (default: parcels, weight_g, volume_cm3);
- `matrices.car.durations` (and `distances`, else 0) -> an explicit matrix; without matrices the
  coordinates are kept and travel is estimated (or taken from `--region` when planning);
- absolute timestamps (UNIX seconds) -> the problem's `date` (UTC) and seconds from its midnight.

Anything else (breaks, shipments, open routes, priorities, per-type times, travel or task limits)
is an error naming the key: a file is converted whole or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from optimizer.domain import Load
from optimizer.errors import ValidationError
from optimizer.io.strict import JsonNode, as_int, as_number, as_str
from optimizer.routing.problem import RoutingProblem

DIMENSIONS = ("parcels", "weight_g", "volume_cm3")
UNLIMITED = 10**9
HORIZON_S = 7 * 86_400
"""A vehicle or job without a time window is available this long from the origin."""
ABSOLUTE_FROM = 10**8
"""Times at or above this are UNIX timestamps (VROOM allows both relative and absolute)."""
_IGNORED = ("description",)
_JOB_KEYS = (
    *("id", "location", "location_index", "setup", "service", "pickup", "delivery", "skills", "time_windows"),
    "priority",
)
_VEHICLE_KEYS = (
    *("id", "start", "start_index", "end", "end_index", "capacity", "costs", "skills"),
    *("time_window", "speed_factor", "steps", "profile"),
)


def _refuse_unknown(node: JsonNode, known: Sequence[str]) -> None:
    unknown = sorted(set(node.value) - set(known) - set(_IGNORED))
    if unknown:
        raise ValidationError(node.at(unknown[0]), "has no Backhaul equivalent (docs/formats.md, 'VROOM files')")


NONE: list[int] = []


def _ints(value: object, path: str) -> list[int]:
    if not isinstance(value, list):
        raise ValidationError(path, "must be a list of integers")
    return [as_int(v, f"{path}[{i}]") for i, v in enumerate(value)]


@dataclass(frozen=True)
class _Place:
    """A task's or depot's row in the custom matrices (-1 without them) and its coordinates (0 when not given)."""

    index: int
    lon: float
    lat: float


class _FromVroom:
    def __init__(self, data: object, dimensions: Sequence[str]) -> None:
        for name in dimensions:
            if name not in DIMENSIONS or list(dimensions).count(name) > 1:
                raise ValidationError("dimensions", f"each of {', '.join(DIMENSIONS)} at most once, got {name!r}")
        self.root = JsonNode(data, "")
        self.dimensions = tuple(dimensions)
        self.matrix = self._matrix()
        times = [t for t in self._all_times() if t >= ABSOLUTE_FROM]
        self.origin = 0
        if times:
            start = datetime.fromtimestamp(min(times), UTC)
            self.origin = int(start.replace(hour=0, minute=0, second=0, microsecond=0).timestamp())
        self.depots: dict[object, tuple[str, _Place]] = {}
        self.skills: set[str] = set()

    def _all_times(self) -> list[int]:
        found = []
        for key in ("vehicles", "jobs"):
            for item in self.root.value.get(key, []):
                if isinstance(item, dict):
                    windows = [item["time_window"]] if "time_window" in item else item.get("time_windows", [])
                    found += [t for w in windows if isinstance(w, list) for t in w if isinstance(t, int)]
        return found

    def _matrix(self) -> dict[str, list[list[int]]] | None:
        if "matrix" in self.root.value:
            raise ValidationError("matrix", "is deprecated in VROOM: give matrices.car.durations")
        if "matrices" not in self.root.value:
            return None
        matrices = self.root.child("matrices")
        _refuse_unknown(matrices, ["car"])
        car = matrices.child("car")
        _refuse_unknown(car, ["durations", "distances"])
        durations = [_ints(row, p) for row, p in car.items("durations")]
        distances = [_ints(row, p) for row, p in car.items("distances", required=False)] or [
            [0] * len(row) for row in durations
        ]
        return {"durations": durations, "distances": distances}

    def time(self, value: object, path: str) -> int:
        return as_int(value, path) - self.origin

    def window(self, value: object, path: str) -> dict[str, int]:
        pair = _ints(value, path)
        if len(pair) != 2:
            raise ValidationError(path, "must be [start, end]")
        return {"start": self.time(pair[0], f"{path}[0]"), "end": self.time(pair[1], f"{path}[1]")}

    def place(self, node: JsonNode, key: str, index_key: str) -> _Place:
        """Where a task or depot is: its matrix index with matrices (and its coordinates, if given)."""
        lon = lat = 0.0
        if key in node.value:
            lon, lat = (as_number(v, f"{node.at(key)}[{i}]") for i, v in enumerate(_ints_or_floats(node, key)))
        elif self.matrix is None:
            raise ValidationError(node.at(key), "is required (an open route has no Backhaul equivalent)")
        index = node.get(index_key, as_int) if self.matrix is not None else -1
        return _Place(index, lon, lat)

    def depot(self, place: _Place) -> str:
        key = place.index if self.matrix is not None else (place.lon, place.lat)
        if key not in self.depots:
            self.depots[key] = (f"d{len(self.depots) + 1}", place)
        return self.depots[key][0]

    def amounts(self, values: list[int], path: str) -> dict[str, int]:
        if len(values) > len(self.dimensions):
            raise ValidationError(path, f"has {len(values)} dimensions, only {len(self.dimensions)} are mapped")
        return dict(zip(self.dimensions, values, strict=False))

    def parcels(self, values: list[int], path: str) -> list[dict[str, int]]:
        load = self.amounts(values, path)
        count = load.get("parcels", 1)
        if count < 1:
            raise ValidationError(path, "a Backhaul pickup or delivery holds at least one parcel")
        first = {"weight_g": load.get("weight_g", 0), "volume_cm3": load.get("volume_cm3", 0), "count": 1}
        return [first] + ([{"weight_g": 0, "volume_cm3": 0, "count": count - 1}] if count > 1 else [])

    def pickup(self, node: JsonNode) -> list[dict[str, int]]:
        """What a job collects; without `pickup`, one empty parcel, as long as no vehicle counts capacity."""
        if "pickup" in node.value:
            return self.parcels(node.get("pickup", _ints), node.at("pickup"))
        if any(isinstance(v, dict) and "capacity" in v for v in self.root.value.get("vehicles", [])):
            raise ValidationError(node.at("pickup"), "is required when vehicles have a capacity (a pickup collects)")
        return [{"weight_g": 0, "volume_cm3": 0, "count": 1}]

    def skill_names(self, node: JsonNode) -> list[str]:
        names = [f"s{k}" for k in node.get("skills", _ints, NONE)]
        self.skills.update(names)
        return names

    def vehicle(self, item: object, path: str) -> dict[str, Any]:
        node = JsonNode(item, path)
        _refuse_unknown(node, _VEHICLE_KEYS)
        if node.get("profile", as_str, "car") != "car":
            raise ValidationError(node.at("profile"), "only the car profile maps")
        capacity = node.get("capacity", _ints, NONE)
        limits = self.amounts(capacity, node.at("capacity"))
        costs = node.child("costs").value if "costs" in node.value else {}
        cost_node = JsonNode(costs, node.at("costs"))
        _refuse_unknown(cost_node, ["fixed", "per_hour", "per_km"])
        shift = node.get("time_window", self.window, {"start": 0, "end": HORIZON_S})
        return {
            "id": str(node.get("id", as_int)),
            "start_depot": self.depot(self.place(node, "start", "start_index")),
            "end_depot": self.depot(self.place(node, "end", "end_index")),
            "shift": shift,
            "capacity": {name: limits.get(name, UNLIMITED) for name in ("weight_g", "volume_cm3", "parcels")},
            "skills": self.skill_names(node),
            "fixed_cost_cents": cost_node.get("fixed", as_int, 0),
            "cost_per_hour_cents": cost_node.get("per_hour", as_int, 3600),
            "cost_per_km_cents": cost_node.get("per_km", as_int, 0),
            "speed_factor": node.get("speed_factor", as_number, 1.0),
        }

    def job(self, item: object, path: str, horizon: int) -> tuple[dict[str, Any], _Place]:
        node = JsonNode(item, path)
        _refuse_unknown(node, _JOB_KEYS)
        if node.get("priority", as_int, 0) != 0:
            raise ValidationError(node.at("priority"), "only 0 maps: every Backhaul request is served when it can be")
        place = self.place(node, "location", "location_index")
        windows = [self.window(w, p) for w, p in node.items("time_windows", required=False)]
        request: dict[str, Any] = {
            "id": str(node.get("id", as_int)),
            "lat": place.lat,
            "lon": place.lon,
            "time_windows": windows or [{"start": 0, "end": horizon}],
            "service_s": node.get("setup", as_int, 0) + node.get("service", as_int, 0),
            "parcels": self.pickup(node),
        }
        if "delivery" in node.value:
            request["delivery_parcels"] = self.parcels(node.get("delivery", _ints), node.at("delivery"))
        skills = self.skill_names(node)
        if skills:
            request["skills"] = skills
        return request, place

    def problem(self) -> dict[str, Any]:
        root = self.root
        _refuse_unknown(root, ["vehicles", "jobs", "matrices"])
        couriers = [self.vehicle(item, path) for item, path in root.items("vehicles")]
        horizon = max(c["shift"]["end"] for c in couriers)
        jobs = [self.job(item, path, horizon) for item, path in root.items("jobs", required=False)]
        steps = self._steps(root)
        depots = [{"id": depot_id, "lat": place.lat, "lon": place.lon} for depot_id, place in self.depots.values()]
        document: dict[str, Any] = {
            "skills": sorted(self.skills) or ["s0"],
            "depots": depots,
            "couriers": couriers,
            "requests": [request for request, _ in jobs],
        }
        if self.origin:
            document |= {"date": datetime.fromtimestamp(self.origin, UTC).date().isoformat(), "timezone": "UTC"}
        if steps:
            document["initial_routes"] = steps
        if self.matrix is not None:
            order = [place.index for _, place in self.depots.values()] + [place.index for _, place in jobs]
            document["matrix"] = {
                "kind": "explicit",
                "duration_s": [[self.matrix["durations"][a][b] for b in order] for a in order],
                "distance_m": [[self.matrix["distances"][a][b] for b in order] for a in order],
            }
        return document

    def _steps(self, root: JsonNode) -> dict[str, list[str]]:
        routes = {}
        for item, path in root.items("vehicles"):
            node = JsonNode(item, path)
            ids = []
            for step, step_path in node.items("steps", required=False):
                step_node = JsonNode(step, step_path)
                kind = step_node.get("type", as_str)
                if kind == "job":
                    ids.append(str(step_node.get("id", as_int)))
                elif kind not in ("start", "end"):
                    raise ValidationError(step_node.at("type"), f"a {kind!r} step has no Backhaul equivalent")
            if ids:
                routes[str(node.value["id"])] = ids
        return routes


def _ints_or_floats(node: JsonNode, key: str) -> list[object]:
    value = node.value[key]
    if not isinstance(value, list) or len(value) != 2:
        raise ValidationError(node.at(key), "must be [lon, lat]")
    return value


def problem_from_vroom(data: object, dimensions: Sequence[str] = DIMENSIONS) -> dict[str, Any]:
    """A Backhaul problem document from a VROOM input document (errors name the VROOM key)."""
    return _FromVroom(data, dimensions).problem()


def _vroom_id(value: str, position: int, numeric: bool) -> int:
    return int(value) if numeric else position + 1


def _amounts(load: Load, dimensions: Sequence[str]) -> list[int]:
    return [getattr(load, name) for name in dimensions]


def problem_to_vroom(
    problem: RoutingProblem, *, origin: int = 0, dimensions: Sequence[str] = DIMENSIONS
) -> dict[str, Any]:
    """A VROOM input document for a Backhaul problem, with its travel matrix frozen in `matrices.car`.

    Ids become integers (kept when they are digits, else numbered, the original in `description`);
    skills become integers (`s3` -> 3, else by their order in the vocabulary); `origin` (a UNIX
    time) makes the times absolute. Optional requests and locked stops have no VROOM equivalent.
    """
    vocabulary = sorted(problem.skills)
    numbered = all(s[1:].isdigit() and s.startswith("s") for s in vocabulary)
    skill = {s: int(s[1:]) if numbered else k + 1 for k, s in enumerate(vocabulary)}
    requests = {r.id: len(problem.depots) + k for k, r in enumerate(problem.requests)}
    depot_index = {d.id: k for k, d in enumerate(problem.depots)}
    job_ids = all(r.id.isdigit() for r in problem.requests)
    vehicle_ids = all(c.id.isdigit() for c in problem.couriers)
    job_of = {r.id: _vroom_id(r.id, k, job_ids) for k, r in enumerate(problem.requests)}
    jobs = []
    for k, request in enumerate(problem.requests):
        if not request.mandatory:
            raise ValidationError(f"requests[{k}].mandatory", "an optional request has no VROOM equivalent")
        job: dict[str, Any] = {
            "id": job_of[request.id],
            "location": [request.location.lon, request.location.lat],
            "location_index": requests[request.id],
            "service": request.service_s,
            "pickup": _amounts(request.pickup_load, dimensions),
            "time_windows": [[w.start_s + origin, w.end_s + origin] for w in request.time_windows],
        }
        if request.delivery_parcels:
            job["delivery"] = _amounts(request.delivery_load, dimensions)
        if request.required_skills:
            job["skills"] = sorted(skill[s] for s in request.required_skills)
        if not job_ids:
            job["description"] = request.id
        jobs.append(job)
    vehicles = []
    for k, courier in enumerate(problem.couriers):
        if courier.locked_stop_ids:
            raise ValidationError(f"couriers[{k}].locked_stops", "locked stops have no VROOM equivalent")
        start, end = (problem.depots[depot_index[d]] for d in (courier.start_depot_id, courier.end_depot_id))
        vehicle: dict[str, Any] = {
            "id": _vroom_id(courier.id, k, vehicle_ids),
            "start": [start.location.lon, start.location.lat],
            "start_index": depot_index[courier.start_depot_id],
            "end": [end.location.lon, end.location.lat],
            "end_index": depot_index[courier.end_depot_id],
            "capacity": _amounts(courier.capacity, dimensions),
            "costs": {
                "fixed": courier.fixed_cost_cents,
                "per_hour": courier.cost_per_hour_cents,
                "per_km": courier.cost_per_km_cents,
            },
            "skills": sorted(skill[s] for s in courier.skills),
            "time_window": [courier.shift.start_s + origin, courier.shift.end_s + origin],
            "speed_factor": courier.speed_factor,
        }
        if courier.max_route_duration_s is not None:
            raise ValidationError(f"couriers[{k}].max_route_duration_s", "has no VROOM equivalent")
        route = problem.initial_routes.get(courier.id)
        if route:
            vehicle["steps"] = [{"type": "start"}, *({"type": "job", "id": job_of[r]} for r in route), {"type": "end"}]
        if not vehicle_ids:
            vehicle["description"] = courier.id
        vehicles.append(vehicle)
    matrix = problem.matrix
    return {
        "vehicles": vehicles,
        "jobs": jobs,
        "matrices": {"car": {"durations": matrix.duration_s.tolist(), "distances": matrix.distance_m.tolist()}},
    }
