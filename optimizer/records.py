"""Problems from tables and results as tables, for notebooks: a few lines from a DataFrame to a validated plan.

    from optimizer import load_region, plan, problem_from_records
    region = load_region("shenzhen-pingshan")
    problem = problem_from_records(df, couriers=[{"id": "van-1", "depot": "D1"}], region=region)
    planned = plan(problem, time_limit_s=5, region=region)
    planned.to_dataframe(), planned.to_geojson()

Records (a DataFrame, or a list of dicts) become the problem document of docs/formats.md, read by
the same strict reader as a file: a bad row is an error naming it (`requests[3].lat: ...`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from optimizer.errors import ValidationError
from optimizer.io.problem_json import problem_from_dict
from optimizer.io.solution_json import result_to_dict
from optimizer.routing.solver import solve
from optimizer.routing.validator import validate

if TYPE_CHECKING:
    import pandas as pd

    from optimizer.geo.region import Region
    from optimizer.geo.road_matrix import RoadNetworkSource
    from optimizer.routing.problem import RoutingProblem
    from optimizer.routing.result import RoutingResult

REQUEST_DEFAULTS = {"service_s": 180, "weight_g": 1_000, "volume_cm3": 5_000, "parcels": 1, "window": "09:00-21:00"}
COURIER_DEFAULTS = {"shift": "08:00-22:00", "parcels": 60, "weight_g": 400_000, "volume_cm3": 3_000_000}
COURIER_DEFAULTS |= {"cost_per_km_cents": 120, "cost_per_hour_cents": 4_500, "fixed_cost_cents": 15_000}


def _rows(records: Any) -> list[dict[str, Any]]:
    """Rows as dicts, a missing value (None, NaN) as an absent key."""
    if hasattr(records, "to_dict"):
        records = records.to_dict("records")
    return [
        {k: v for k, v in dict(row).items() if v is not None and not (isinstance(v, float) and math.isnan(v))}
        for row in records
    ]


def _window(text: object, path: str) -> dict[str, object]:
    if not isinstance(text, str) or text.count("-") != 1:
        raise ValidationError(path, f'must look like "09:00-11:00", got {text!r}')
    start, end = text.split("-")
    return {"start": start.strip(), "end": end.strip()}


def _skills(value: object) -> list[str]:
    if isinstance(value, str):
        return [s.strip() for s in value.split(",") if s.strip()]
    return [str(s) for s in value] if isinstance(value, Iterable) else []


def _number(value: Any) -> Any:
    """Numpy scalars as plain numbers (the strict reader knows only Python's)."""
    return value.item() if hasattr(value, "item") else value


def problem_from_records(
    requests: Any,
    *,
    couriers: Any,
    depots: Any | None = None,
    region: Region | None = None,
    skills: Iterable[str] | None = None,
) -> RoutingProblem:
    """A routing problem from rows of requests and couriers (and depots: by default, the region's).

    Request columns: `id`, `lat`, `lon`, and optionally `window` ("09:00-11:00"), `service_s`,
    `weight_g`, `volume_cm3`, `parcels`, `skills` ("bulky,fragile"). Courier columns: `id`,
    `depot`, and optionally `end_depot`, `shift`, `parcels`, `weight_g`, `volume_cm3`, the three
    costs, `skills`. With a region, travel is over its roads; without, a haversine estimate.
    """
    if depots is None:
        if region is None:
            raise ValidationError("depots", "give the depots, or a region whose depots to use")
        depots = [{"id": d.id, "lat": d.location.lat, "lon": d.location.lon} for d in region.sites.depots]
    document: dict[str, Any] = {
        "depots": [{k: _number(row[k]) for k in ("id", "lat", "lon") if k in row} for row in _rows(depots)],
        "couriers": [_courier(row, f"couriers[{i}]") for i, row in enumerate(_rows(couriers))],
        "requests": [_request(row, f"requests[{i}]") for i, row in enumerate(_rows(requests))],
    }
    if skills is not None:
        document["skills"] = list(skills)
    source = None
    if region is not None:
        from optimizer.geo.road_matrix import RoadNetworkSource

        source = RoadNetworkSource(region)
    return problem_from_dict(document, matrix_source=source)


def _request(row: Mapping[str, Any], path: str) -> dict[str, Any]:
    values = REQUEST_DEFAULTS | dict(row)
    request = {
        "id": str(values.get("id", "")),
        "lat": _number(values.get("lat")),
        "lon": _number(values.get("lon")),
        "time_windows": [_window(values["window"], f"{path}.window")],
        "service_s": _number(values["service_s"]),
        "parcels": [
            {
                "weight_g": _number(values["weight_g"]),
                "volume_cm3": _number(values["volume_cm3"]),
                "count": _number(values["parcels"]),
            }
        ],
    }
    if "skills" in values:
        request["skills"] = _skills(values["skills"])
    return request


def _courier(row: Mapping[str, Any], path: str) -> dict[str, Any]:
    values = COURIER_DEFAULTS | dict(row)
    if "depot" not in values:
        raise ValidationError(f"{path}.depot", "is required (the depot the courier starts from)")
    return {
        "id": str(values.get("id", "")),
        "start_depot": str(values["depot"]),
        "end_depot": str(values.get("end_depot", values["depot"])),
        "shift": _window(values["shift"], f"{path}.shift"),
        "capacity": {k: _number(values[k]) for k in ("weight_g", "volume_cm3", "parcels")},
        "skills": _skills(values.get("skills", [])),
        **{k: _number(values[k]) for k in ("cost_per_km_cents", "cost_per_hour_cents", "fixed_cost_cents")},
    }


@dataclass(frozen=True)
class Planned:
    """A solved problem: the result, what the independent validator found, and the plan as tables and maps."""

    problem: RoutingProblem
    result: RoutingResult
    violations: list[str] = field(default_factory=list)
    source: RoadNetworkSource | None = None

    def to_dataframe(self) -> pd.DataFrame:
        """One row per stop in driving order (courier, sequence, place, times, leg, load), then the unassigned."""
        import pandas as pd

        document = result_to_dict(self.result, self.problem)
        rows = []
        for route in document["routes"]:
            for sequence, stop in enumerate(route["stops"], start=1):
                load = stop.pop("load_after")
                rows.append({"courier_id": route["courier_id"], "sequence": sequence, **stop, **load})
        rows += [{"request_id": u["request_id"], "unassigned": u["reason"]} for u in document["unassigned"]]
        return pd.DataFrame(rows)

    def to_geojson(self) -> dict[str, Any]:
        """The routes as GeoJSON: along the roads with a region, else straight legs between the stops."""
        if self.source is not None:
            from optimizer.geo.route_shapes import plan_geojson

            return plan_geojson(self.source, self.problem, self.result)
        depot_at = {d.id: d.location for d in self.problem.depots}
        request_at = {r.id: r.location for r in self.problem.requests}
        features = []
        for route in self.result.routes:
            courier = self.problem.couriers[self.problem.courier_index[route.courier_id]]
            places = [depot_at[courier.start_depot_id], *(request_at[s.request_id] for s in route.stops)]
            places.append(depot_at[courier.end_depot_id])
            line = {"type": "LineString", "coordinates": [[p.lon, p.lat] for p in places]}
            features.append({"type": "Feature", "geometry": line, "properties": {"courier_id": route.courier_id}})
            for k, stop in enumerate(route.stops, start=1):
                where = request_at[stop.request_id]
                point = {"type": "Point", "coordinates": [where.lon, where.lat]}
                properties = {"courier_id": route.courier_id, "id": stop.request_id, "sequence": k}
                features.append({"type": "Feature", "geometry": point, "properties": properties})
        return {"type": "FeatureCollection", "features": features}


def plan(problem: RoutingProblem, *, time_limit_s: float = 5.0, seed: int = 0, region: Region | None = None) -> Planned:
    """Solve within `time_limit_s` and check the plan with the independent validator (`Planned.violations`).

    With the `region` the problem was built on, `to_geojson` draws the legs along its roads.
    """
    result = solve(problem, time_limit_s=time_limit_s, seed=seed)
    source = None
    if region is not None:
        from optimizer.geo.road_matrix import RoadNetworkSource

        source = RoadNetworkSource(region)
    return Planned(problem, result, validate(problem, result), source)
