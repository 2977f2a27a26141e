"""A day's routes for the people who drive them: stops with slot, time and parcels; GeoJSON along the roads;
a courier's run sheet."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.services import Service
from tests.api.api_client import OPERATOR, PLATFORM, return_fields, settings, slot, tomorrow
from tests.route_geometry import drawn_metres, off_network


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(settings(database_url, couriers_per_depot=2, vehicle_parcels=20))) as test_client:
        for k in range(14):
            origin = {"lat": 31.2260 + 0.0007 * k, "lon": 121.4690 + 0.0006 * (k % 5)}
            body = {"slot_id": slot(9 + 2 * (k % 5)), **return_fields(origin=origin)}
            assert test_client.post("/v1/pickups", json=body, headers=PLATFORM).status_code == 201
        yield test_client


def _routes(client: TestClient, **params: str) -> Any:
    return client.get(f"/v1/days/{tomorrow().isoformat()}/routes", params=params, headers=OPERATOR)


def test_each_stop_shows_its_slot_time_and_parcels_in_driving_order(client: TestClient) -> None:
    routes = _routes(client).json()["routes"]
    stops = [stop for route in routes for stop in route["stops"]]
    assert len(stops) == 14
    for route in routes:
        times = [stop["service_start"] for stop in route["stops"]]
        assert times == sorted(times)
        assert route["distance_m"] > 0
    for stop in stops:
        assert stop["slot_id"].startswith(tomorrow().isoformat())
        assert stop["slot_id"][11:13] <= stop["service_start"][11:13] <= stop["slot_id"][17:19]
        assert stop["parcels"] == [{"weight_g": 800, "volume_cm3": 4000, "count": 1}]
        assert stop["return_id"].startswith("rt_")
        assert stop["done"] is False


def test_the_geojson_legs_follow_the_roads_and_add_up_to_each_route(client: TestClient) -> None:
    response = _routes(client, format="geojson")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    drawn = response.json()
    assert drawn["type"] == "FeatureCollection"
    service: Service = client.app.state.service  # type: ignore[attr-defined]
    assert off_network(drawn, service.desk.region.road_graph) == []
    routes = {route["courier_id"]: route for route in _routes(client).json()["routes"]}
    metres = drawn_metres(drawn)
    assert set(metres) == set(routes)
    for courier, route in routes.items():
        assert metres[courier] == pytest.approx(route["distance_m"], rel=0.01)
        legs = [
            f
            for f in drawn["features"]
            if f["geometry"]["type"] == "LineString" and f["properties"]["courier_id"] == courier
        ]
        points = [
            f
            for f in drawn["features"]
            if f["geometry"]["type"] == "Point" and f["properties"]["courier_id"] == courier
        ]
        assert len(legs) == len(route["stops"]) + 1
        assert [p["properties"]["id"] for p in points[1:-1]] == [s["pickup_id"] for s in route["stops"]]


def test_a_run_sheet_is_one_couriers_stops_as_csv(client: TestClient) -> None:
    route = _routes(client).json()["routes"][0]
    response = _routes(client, format="csv", courier_id=route["courier_id"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["pickup_id"] for row in rows] == [stop["pickup_id"] for stop in route["stops"]]
    assert [row["sequence"] for row in rows] == [str(k) for k in range(1, len(rows) + 1)]
    assert all(row["weight_kg"] == "0.8" for row in rows)
    missing = _routes(client, format="csv")
    assert missing.status_code == 422
    assert "courier_id" in missing.text
    assert _routes(client, format="csv", courier_id="nobody").status_code == 404
    assert client.get(f"/v1/days/{tomorrow().isoformat()}/routes", headers=PLATFORM).status_code == 403


def test_the_planners_map_draws_the_live_routes_and_each_centers_reserved_load(client: TestClient) -> None:
    day = tomorrow().isoformat()
    response = client.get(f"/v1/days/{day}/map", headers=OPERATOR)
    assert response.status_code == 200
    document = response.json()
    live = {route["courier_id"] for route in _routes(client).json()["routes"]}
    (plan,) = document["plans"]
    assert {f["properties"]["courier_id"] for f in plan["routes"]["features"]} == live
    service: Service = client.app.state.service  # type: ignore[attr-defined]
    graph = service.desk.region.road_graph
    assert len(document["roads"]["nodes"]) == 2 * len(graph.lonlat)
    centers = {c.id for c in service.desk.region.sites.centers}
    assert {c["id"] for c in document["centers"]} == centers
    processing = tomorrow() + timedelta(days=1)
    loads = {c["id"]: c["used"] for c in client.get(f"/v1/days/{processing}/map", headers=OPERATOR).json()["centers"]}
    assert sum(loads.values()) == 14  # every booked return holds a place on the day after its collection
    assert client.get(f"/v1/days/{day}/map", headers=PLATFORM).status_code == 403
    assert client.get(f"/v1/days/{day}/map").status_code == 401
    assert client.get("/v1/days/2026-02-30/map", headers=OPERATOR).status_code == 422


def test_the_planners_page_holds_no_data_and_loads_nothing_from_elsewhere(client: TestClient) -> None:
    page = client.get("/planner")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "X-API-Key" in page.text
    assert re.search(r"(src|href|url)\W{1,3}https?:", page.text) is None
    assert "@import" not in page.text
    assert "/v1/days/" in page.text
