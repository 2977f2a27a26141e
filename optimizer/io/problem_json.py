"""The JSON problem format (docs/formats.md): parse it into a `RoutingProblem`, strictly.

Every error names the field by its path (``couriers[2].capacity.weight_g``) and, when read from a
file, the file and line, so a planner can fix the input without reading a traceback. Unknown keys
are errors too: a misspelt optional field must not be silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import partial
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from optimizer.domain import DEFAULT_SKILLS, Courier, Depot, Load, Location, Parcel, PickupRequest, TimeWindow
from optimizer.errors import InputFileError, ValidationError
from optimizer.geo import DEFAULT_CACHE_DIR
from optimizer.geo.matrices import HaversineSource, MatrixSource, TravelMatrix
from optimizer.io.strict import JsonNode, as_bool, as_clock, as_int, as_number, as_str, read_json_file
from optimizer.routing.problem import RoutingProblem

T = TypeVar("T")

MAX_PROBLEM_BYTES = 256 * 1024 * 1024
# Domain field names that the JSON spells differently.
_JSON_NAMES = {
    "start_s": "start",
    "end_s": "end",
    "start_depot_id": "start_depot",
    "end_depot_id": "end_depot",
    "locked_stop_ids": "locked_stops",
    "required_skills": "skills",
}


@dataclass(frozen=True)
class _Clock:
    """How the file writes times: seconds or "HH:MM[:SS]" from the day's midnight, or ISO 8601 moments.

    ISO 8601 needs the problem's `date` and `timezone`: a moment becomes seconds from that date's local
    midnight (a moment on the next day is past 24:00, as a late shift may be).
    """

    midnight: datetime | None = None

    def seconds(self, value: object, path: str) -> int:
        """A time as seconds from the problem day's midnight."""
        if not isinstance(value, str) or "T" not in value:
            return as_clock(value, path) if isinstance(value, str) else as_int(value, path)
        if self.midnight is None:
            raise ValidationError(path, "an ISO 8601 time needs the problem's date and timezone")
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError(path, f"not an ISO 8601 time: {value!r}") from None
        if moment.tzinfo is None:
            raise ValidationError(path, f"an ISO 8601 time needs its UTC offset, got {value!r}")
        return round((moment - self.midnight).total_seconds())


def _clock(root: JsonNode) -> _Clock:
    """The problem's `date` and `timezone`, both or neither."""
    day, zone = root.optional("date", as_str), root.optional("timezone", as_str)
    if day is None and zone is None:
        return _Clock()
    if day is None or zone is None:
        raise ValidationError("date" if day is None else "timezone", "give the problem's date and timezone together")
    try:
        calendar_day = date.fromisoformat(day)
    except ValueError:
        raise ValidationError("date", f'must be a date "YYYY-MM-DD", got {day!r}') from None
    try:
        local = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError("timezone", f"not an IANA time zone such as Asia/Shanghai: {zone!r}") from None
    return _Clock(datetime.combine(calendar_day, time(0), local))


def _strings(node: JsonNode, key: str) -> frozenset[str]:
    return frozenset(as_str(item, path) for item, path in node.items(key, required=False))


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


def problem_midnight(data: object) -> datetime | None:
    """The local midnight a problem document's times count from, when it gives its date and timezone."""
    return _clock(JsonNode(data, "")).midnight


def _window(value: object, path: str, clock: _Clock) -> TimeWindow:
    node = JsonNode(value, path)
    start, end = node.get("start", clock.seconds), node.get("end", clock.seconds)
    node.done()
    return _domain(path, lambda: TimeWindow(start, end))


def _parcels(node: JsonNode, key: str, *, required: bool) -> tuple[Parcel, ...]:
    parcels = []
    for item, path in node.items(key, required=required):
        line = JsonNode(item, path)
        weight, volume = line.get("weight_g", as_int), line.get("volume_cm3", as_int)
        count = line.get("count", as_int, 1)
        line.done()
        parcels.append(_domain(path, partial(Parcel, weight, volume, count)))
    return tuple(parcels)


def _location(node: JsonNode) -> Location:
    lat, lon = node.get("lat", as_number), node.get("lon", as_number)
    return _domain(node.path, lambda: Location(lat, lon))


def _depot(value: object, path: str) -> Depot:
    node = JsonNode(value, path)
    depot_id, location = node.get("id", as_str), _location(node)
    node.done()
    return _domain(path, lambda: Depot(depot_id, location))


def _courier(value: object, path: str, clock: _Clock) -> Courier:
    node = JsonNode(value, path)
    start_depot = node.get("start_depot", as_str)
    capacity_node = node.child("capacity")
    amounts = [capacity_node.get(name, as_int) for name in Load.DIMENSIONS]
    capacity_node.done()
    capacity = _domain(capacity_node.path, lambda: Load(*amounts))
    max_duration = node.get("max_route_duration_s", as_int, -1)
    courier = partial(
        Courier,
        id=node.get("id", as_str),
        start_depot_id=start_depot,
        end_depot_id=node.get("end_depot", as_str, start_depot),
        shift=node.get("shift", partial(_window, clock=clock)),
        capacity=capacity,
        skills=_strings(node, "skills"),
        fixed_cost_cents=node.get("fixed_cost_cents", as_int, 0),
        cost_per_km_cents=node.get("cost_per_km_cents", as_int, 0),
        cost_per_hour_cents=node.get("cost_per_hour_cents", as_int, 0),
        max_route_duration_s=None if max_duration == -1 else max_duration,
        speed_factor=node.get("speed_factor", as_number, 1.0),
        locked_stop_ids=tuple(as_str(item, p) for item, p in node.items("locked_stops", required=False)),
    )
    node.done()
    return _domain(path, courier)


def _request(value: object, path: str, clock: _Clock) -> PickupRequest:
    node = JsonNode(value, path)
    location = _location(node)
    request = partial(
        PickupRequest,
        id=node.get("id", as_str),
        location=location,
        time_windows=tuple(_window(item, p, clock) for item, p in node.items("time_windows")),
        service_s=node.get("service_s", as_int),
        parcels=_parcels(node, "parcels", required=True),
        delivery_parcels=_parcels(node, "delivery_parcels", required=False),
        required_skills=_strings(node, "skills"),
        mandatory=node.get("mandatory", as_bool, True),
        penalty_cents=node.get("penalty_cents", as_int, 0),
    )
    node.done()
    return _domain(path, request)


def _located_matrix(
    source: MatrixSource, depots: tuple[Depot, ...], requests: tuple[PickupRequest, ...]
) -> TravelMatrix:
    """The source's matrix over depots then requests; a rejected point is named as the depot or request."""
    try:
        return source.matrix_for([d.location for d in depots] + [r.location for r in requests])
    except ValidationError as error:
        match = re.fullmatch(r"points\[(\d+)\]", error.field)
        if not match:
            raise
        i = int(match.group(1))
        field = f"depots[{i}]" if i < len(depots) else f"requests[{i - len(depots)}]"
        raise ValidationError(f"{field}.lat", error.reason) from None


def _road_source(node: JsonNode, override: MatrixSource | None, cache_dir: Path | None) -> MatrixSource:
    """The road network a `road` matrix names: `override` (from `--region`) if it is that one, else loaded."""
    name = node.get("region", as_str)
    fingerprint = node.optional("fingerprint", as_str)
    node.done()
    if override is None:
        from optimizer.geo.region import load_region
        from optimizer.geo.road_matrix import RoadNetworkSource

        try:
            override = RoadNetworkSource(load_region(name), cache_dir)
        except InputFileError as error:
            raise ValidationError(node.at("region"), str(error)) from None
    region = getattr(override, "region", None)
    if region is None or region.name != name:
        given = getattr(region, "name", "no road network")
        raise ValidationError(node.at("region"), f"the problem is measured on {name}'s roads, not on {given}")
    if fingerprint is not None and fingerprint != region.fingerprint:
        raise ValidationError(
            node.at("fingerprint"),
            f"{name}'s road network here is {region.fingerprint}, not the one the problem was made on",
        )
    return override


def _matrix(
    node: JsonNode,
    depots: tuple[Depot, ...],
    requests: tuple[PickupRequest, ...],
    override: MatrixSource | None,
    cache_dir: Path | None,
) -> TravelMatrix:
    kind = node.get("kind", as_str)
    if kind == "road":
        return _located_matrix(_road_source(node, override, cache_dir), depots, requests)
    if override is not None:
        if kind != "haversine":
            raise ValidationError(node.at("kind"), f"a {kind} matrix cannot be replaced by a road-network one")
        return _located_matrix(override, depots, requests)
    if kind == "haversine":
        detour = node.get("detour_factor", as_number, 1.3)
        speed = node.get("speed_kmh", as_number, 25.0)
        node.done()
        source = _domain(node.path, lambda: HaversineSource(detour, speed))
        return _located_matrix(source, depots, requests)
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
                values.append([as_int(v, f"{row_path}[{j}]") for j, v in enumerate(row)])
            arrays[key] = np.array(values, dtype=np.int64).reshape(size, size)
        node.done()
        return _domain(node.path, lambda: TravelMatrix(arrays["distance_m"], arrays["duration_s"]))
    raise ValidationError(node.at("kind"), f'must be "haversine", "explicit" or "road", got {kind!r}')


def problem_from_dict(
    data: object, *, matrix_source: MatrixSource | None = None, cache_dir: Path | None = DEFAULT_CACHE_DIR
) -> RoutingProblem:
    """Build a problem from parsed JSON; raises `ValidationError` naming the field.

    `matrix_source` (a road network, say) replaces the file's haversine estimate, or is the region
    a `road` matrix names; otherwise that region is loaded, its matrices cached in `cache_dir`.
    """
    root = JsonNode(data, "")
    root.get("name", as_str, "")
    clock = _clock(root)
    skills = _strings(root, "skills") or DEFAULT_SKILLS
    depots = tuple(_depot(item, path) for item, path in root.items("depots"))
    couriers = tuple(_courier(item, path, clock) for item, path in root.items("couriers"))
    requests = tuple(_request(item, path, clock) for item, path in root.items("requests"))
    matrix_node = root.child("matrix") if "matrix" in root.value else JsonNode({"kind": "haversine"}, "matrix")
    matrix = _matrix(matrix_node, depots, requests, matrix_source, cache_dir)
    initial: dict[str, tuple[str, ...]] = {}
    if "initial_routes" in root.value:
        routes = root.child("initial_routes")
        for courier_id in list(routes.value):
            initial[courier_id] = tuple(as_str(item, p) for item, p in routes.items(courier_id))
    root.done()
    return _domain("", lambda: RoutingProblem(depots, couriers, requests, matrix, skills, initial))


def load_problem(
    path: Path, *, matrix_source: MatrixSource | None = None, cache_dir: Path | None = DEFAULT_CACHE_DIR
) -> RoutingProblem:
    """Read a problem file; every error becomes an `InputFileError` naming the file, line and field."""
    build = partial(problem_from_dict, matrix_source=matrix_source, cache_dir=cache_dir)
    return read_json_file(path, build, max_bytes=MAX_PROBLEM_BYTES)
