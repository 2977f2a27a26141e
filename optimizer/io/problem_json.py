"""The JSON problem format (docs/formats.md): parse it into a `RoutingProblem`, strictly.

Every error names the field by its path (``couriers[2].capacity.weight_g``) and, when read from a
file, the file and line, so a planner can fix the input without reading a traceback. Unknown keys
are errors too: a misspelt optional field must not be silently ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from json_source_map import calculate

from optimizer.domain import DEFAULT_SKILLS, Courier, Depot, Load, Location, Parcel, PickupRequest, TimeWindow
from optimizer.errors import BackhaulError, ValidationError
from optimizer.geo.matrices import HaversineSource, TravelMatrix
from optimizer.routing.problem import RoutingProblem

T = TypeVar("T")

MAX_PROBLEM_BYTES = 256 * 1024 * 1024
_CLOCK = re.compile(r"^(\d{1,2}):([0-5]\d)(?::([0-5]\d))?$")
# Domain field names that the JSON spells differently.
_JSON_NAMES = {
    "start_s": "start",
    "end_s": "end",
    "start_depot_id": "start_depot",
    "end_depot_id": "end_depot",
    "locked_stop_ids": "locked_stops",
    "required_skills": "skills",
}


class ProblemFileError(BackhaulError):
    """A problem file that cannot be read; the message names the file, line and field."""


class _Node:
    """A JSON object with the path it was found at; its getters raise errors naming that path."""

    def __init__(self, value: object, path: str) -> None:
        if not isinstance(value, dict):
            raise ValidationError(path, f"must be an object, got {_kind(value)}")
        self.value: dict[str, Any] = value
        self.path = path
        self.used: set[str] = set()

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def get(self, key: str, convert: Callable[[object, str], T], default: T | None = None) -> T:
        self.used.add(key)
        if key not in self.value:
            if default is None:
                raise ValidationError(self.at(key), "is required")
            return default
        return convert(self.value[key], self.at(key))

    def child(self, key: str) -> _Node:
        self.used.add(key)
        if key not in self.value:
            raise ValidationError(self.at(key), "is required")
        return _Node(self.value[key], self.at(key))

    def items(self, key: str, *, required: bool = True) -> list[tuple[object, str]]:
        self.used.add(key)
        if key not in self.value:
            if required:
                raise ValidationError(self.at(key), "is required")
            return []
        value = self.value[key]
        if not isinstance(value, list):
            raise ValidationError(self.at(key), f"must be a list, got {_kind(value)}")
        return [(item, f"{self.at(key)}[{i}]") for i, item in enumerate(value)]

    def done(self) -> None:
        unknown = sorted(set(self.value) - self.used)
        if unknown:
            raise ValidationError(self.at(unknown[0]), "unknown field")


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


def _int(value: object, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(path, f"must be an integer, got {_kind(value)}")
    return value


def _number(value: object, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(path, f"must be a number, got {_kind(value)}")
    return float(value)


def _str(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(path, f"must be a string, got {_kind(value)}")
    return value


def _bool(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(path, f"must be true or false, got {_kind(value)}")
    return value


def _seconds(value: object, path: str) -> int:
    """A time of day: integer seconds from midnight, or "HH:MM[:SS]" (hours may pass 24)."""
    if isinstance(value, str):
        match = _CLOCK.match(value)
        if not match:
            raise ValidationError(path, f'must be seconds or "HH:MM[:SS]", got {value!r}')
        hours, minutes, seconds = match.groups()
        return int(hours) * 3600 + int(minutes) * 60 + int(seconds or 0)
    return _int(value, path)


def _strings(node: _Node, key: str) -> frozenset[str]:
    return frozenset(_str(item, path) for item, path in node.items(key, required=False))


def _json_field(field: str) -> str:
    """A domain field path spelt as in the JSON (``locked_stop_ids[0]`` -> ``locked_stops[0]``)."""
    return re.sub(r"[A-Za-z_]+", lambda m: _JSON_NAMES.get(m.group(0), m.group(0)), field)


def _domain(path: str, build: Callable[[], T]) -> T:
    """Construct a domain object, re-labelling its validation error with the JSON path."""
    try:
        return build()
    except ValidationError as error:
        name = _json_field(error.field)
        raise ValidationError(f"{path}.{name}" if path else name, error.reason) from None


def _window(value: object, path: str) -> TimeWindow:
    node = _Node(value, path)
    start, end = node.get("start", _seconds), node.get("end", _seconds)
    node.done()
    return _domain(path, lambda: TimeWindow(start, end))


def _parcels(node: _Node, key: str, *, required: bool) -> tuple[Parcel, ...]:
    parcels = []
    for item, path in node.items(key, required=required):
        line = _Node(item, path)
        weight, volume = line.get("weight_g", _int), line.get("volume_cm3", _int)
        count = line.get("count", _int, 1)
        line.done()
        parcels.append(_domain(path, partial(Parcel, weight, volume, count)))
    return tuple(parcels)


def _location(node: _Node) -> Location:
    lat, lon = node.get("lat", _number), node.get("lon", _number)
    return _domain(node.path, lambda: Location(lat, lon))


def _depot(value: object, path: str) -> Depot:
    node = _Node(value, path)
    depot_id, location = node.get("id", _str), _location(node)
    node.done()
    return _domain(path, lambda: Depot(depot_id, location))


def _courier(value: object, path: str) -> Courier:
    node = _Node(value, path)
    start_depot = node.get("start_depot", _str)
    capacity_node = node.child("capacity")
    amounts = [capacity_node.get(name, _int) for name in Load.DIMENSIONS]
    capacity_node.done()
    capacity = _domain(capacity_node.path, lambda: Load(*amounts))
    max_duration = node.get("max_route_duration_s", _int, -1)
    courier = partial(
        Courier,
        id=node.get("id", _str),
        start_depot_id=start_depot,
        end_depot_id=node.get("end_depot", _str, start_depot),
        shift=node.get("shift", _window),
        capacity=capacity,
        skills=_strings(node, "skills"),
        fixed_cost_cents=node.get("fixed_cost_cents", _int, 0),
        cost_per_km_cents=node.get("cost_per_km_cents", _int, 0),
        cost_per_hour_cents=node.get("cost_per_hour_cents", _int, 0),
        max_route_duration_s=None if max_duration == -1 else max_duration,
        speed_factor=node.get("speed_factor", _number, 1.0),
        locked_stop_ids=tuple(_str(item, p) for item, p in node.items("locked_stops", required=False)),
    )
    node.done()
    return _domain(path, courier)


def _request(value: object, path: str) -> PickupRequest:
    node = _Node(value, path)
    location = _location(node)
    request = partial(
        PickupRequest,
        id=node.get("id", _str),
        location=location,
        time_windows=tuple(_window(item, p) for item, p in node.items("time_windows")),
        service_s=node.get("service_s", _int),
        parcels=_parcels(node, "parcels", required=True),
        delivery_parcels=_parcels(node, "delivery_parcels", required=False),
        required_skills=_strings(node, "skills"),
        mandatory=node.get("mandatory", _bool, True),
        penalty_cents=node.get("penalty_cents", _int, 0),
    )
    node.done()
    return _domain(path, request)


def _matrix(node: _Node, depots: tuple[Depot, ...], requests: tuple[PickupRequest, ...]) -> TravelMatrix:
    kind = node.get("kind", _str)
    if kind == "haversine":
        detour = node.get("detour_factor", _number, 1.3)
        speed = node.get("speed_kmh", _number, 25.0)
        node.done()
        source = _domain(node.path, lambda: HaversineSource(detour, speed))
        return source.matrix_for([d.location for d in depots] + [r.location for r in requests])
    if kind == "explicit":
        size = len(depots) + len(requests)
        arrays = {}
        for key in ("distance_m", "duration_s"):
            rows = node.items(key)
            if len(rows) != size:
                raise ValidationError(node.at(key), f"must have {size} rows (depots, then requests), got {len(rows)}")
            values = []
            for row, row_path in rows:
                if not isinstance(row, list) or len(row) != size:
                    raise ValidationError(row_path, f"must be a list of {size} integers")
                values.append([_int(v, f"{row_path}[{j}]") for j, v in enumerate(row)])
            arrays[key] = np.array(values, dtype=np.int64).reshape(size, size)
        node.done()
        return _domain(node.path, lambda: TravelMatrix(arrays["distance_m"], arrays["duration_s"]))
    raise ValidationError(node.at("kind"), f'must be "haversine" or "explicit", got {kind!r}')


def problem_from_dict(data: object) -> RoutingProblem:
    """Build a problem from parsed JSON; raises `ValidationError` naming the field."""
    root = _Node(data, "")
    root.get("name", _str, "")
    skills = _strings(root, "skills") or DEFAULT_SKILLS
    depots = tuple(_depot(item, path) for item, path in root.items("depots"))
    couriers = tuple(_courier(item, path) for item, path in root.items("couriers"))
    requests = tuple(_request(item, path) for item, path in root.items("requests"))
    matrix_node = root.child("matrix") if "matrix" in root.value else _Node({"kind": "haversine"}, "matrix")
    matrix = _matrix(matrix_node, depots, requests)
    initial: dict[str, tuple[str, ...]] = {}
    if "initial_routes" in root.value:
        routes = root.child("initial_routes")
        for courier_id in list(routes.value):
            initial[courier_id] = tuple(_str(item, p) for item, p in routes.items(courier_id))
    root.done()
    return _domain("", lambda: RoutingProblem(depots, couriers, requests, matrix, skills, initial))


def _pointer(field: str) -> str:
    parts = re.findall(r"[^.\[\]]+", field)
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def _line_of(text: str, field: str) -> int | None:
    """1-based line of the field (or of its nearest enclosing value that exists) in the JSON text."""
    try:
        spans = calculate(text)
    except Exception:  # the map is a nicety: never let it hide the real error
        return None
    pointer = _pointer(field)
    while pointer and pointer not in spans:
        pointer = pointer.rsplit("/", 1)[0]
    entry = spans.get(pointer)
    if entry is None:
        return None
    start = entry.key_start or entry.value_start
    return int(start.line) + 1


def load_problem(path: Path) -> RoutingProblem:
    """Read a problem file; every error becomes a `ProblemFileError` naming the file, line and field."""
    try:
        if path.stat().st_size > MAX_PROBLEM_BYTES:
            raise ProblemFileError(f"{path}: larger than {MAX_PROBLEM_BYTES // 2**20} MiB")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ProblemFileError(f"{path}: cannot read: {error}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProblemFileError(f"{path}:{error.lineno}: not valid JSON: {error.msg} (column {error.colno})") from None
    try:
        return problem_from_dict(data)
    except ValidationError as error:
        line = _line_of(text, error.field)
        where = f"{path}:{line}" if line else str(path)
        raise ProblemFileError(f"{where}: {error}") from None
