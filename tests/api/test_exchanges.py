"""Exchanges through the API: the replacement rides from the depot and is handed over at the pickup;
quotes price it, bookings and re-plans keep both loads feasible (the independent validator checks)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api import jobs
from api.errors import ConflictError
from api.main import create_app
from api.schemas import LatLon, ParcelIn, PickupCreate, PlanCreate
from api.store import Store
from optimizer.domain import Load
from tests.api.api_client import PLATFORM, return_fields, settings, slot, tomorrow
from tests.api.invariant import violations
from tests.api.test_booking_races import service_on

REPLACEMENT = [{"weight_g": 1200, "volume_cm3": 6000, "count": 1}]


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(settings(database_url))) as test_client:
        yield test_client


def test_a_quoted_exchange_books_with_its_replacement_on_the_route(client: TestClient) -> None:
    body = return_fields(delivery_parcels=REPLACEMENT) | {"date_from": tomorrow().isoformat()}
    quote = client.post("/v1/quotes", json=body, headers=PLATFORM).json()
    assert [option["method"] for option in quote["options"]] == ["pickup"]  # handed over at the door only
    booked = client.post("/v1/pickups", json={"quote_id": quote["quote_id"], "slot_id": slot()}, headers=PLATFORM)
    assert booked.status_code == 201, booked.text
    assert booked.json()["delivery_parcels"] == REPLACEMENT
    service = client.app.state.service  # type: ignore[attr-defined]
    stop = next(s for r in service.current_plan(tomorrow()).routes.values() for s in r.stops)
    assert stop.delivery == Load(1200, 6000, 1)
    routes = client.get(f"/v1/days/{tomorrow().isoformat()}/routes", headers={"X-API-Key": "op-secret"}).json()
    assert routes["routes"][0]["stops"][0]["delivery_parcels"] == REPLACEMENT
    assert violations(service) == []


def test_a_replacement_that_no_vehicle_can_carry_is_never_offered(client: TestClient) -> None:
    too_many = [{"weight_g": 500, "volume_cm3": 2000, "count": 6}]  # the test vehicles carry 5 parcels
    body = return_fields(delivery_parcels=too_many) | {"date_from": tomorrow().isoformat()}
    quote = client.post("/v1/quotes", json=body, headers=PLATFORM).json()
    assert quote["options"] == []
    refused = client.post(
        "/v1/pickups", json={"slot_id": slot(), **return_fields(delivery_parcels=too_many)}, headers=PLATFORM
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "slot_full"
    plain = client.post("/v1/pickups", json={"slot_id": slot(), **return_fields()}, headers=PLATFORM)
    assert plain.status_code == 201


def test_an_exchange_with_a_quote_id_cannot_bring_its_own_fields(client: TestClient) -> None:
    body = {"quote_id": "q", "slot_id": slot(), "delivery_parcels": REPLACEMENT}
    response = client.post("/v1/pickups", json=body, headers=PLATFORM)
    assert response.status_code == 422
    assert "not both" in response.text


def _exchange(delivered: int) -> dict[str, Any]:
    return {"delivery_parcels": [ParcelIn(weight_g=900, volume_cm3=4000, count=delivered)]} if delivered else {}


def test_exchanges_survive_a_replan_with_both_loads_feasible(database_url: str) -> None:
    store = Store(database_url)
    store.migrate()
    started: list[str] = []
    service = service_on(store, started, couriers_per_depot=1)
    now = datetime.now(UTC)
    exchanges = []
    for k in range(10):
        body = PickupCreate(
            slot_id=slot(9 + 2 * (k % 4)),
            origin=LatLon(lat=31.2280 + 0.0006 * k, lon=121.4700 + 0.0005 * (k % 3)),
            parcels=[ParcelIn(weight_g=900, volume_cm3=4000)],
            category="apparel",
            reason="size_or_fit",
            merchant_id="m-1",
            **_exchange(2 if k % 3 == 0 else 0),
        )
        with contextlib.suppress(ConflictError):  # the small vans fill up: what fits is booked
            booked, _ = service.bookings.book("platform", body, None, now)
            if k % 3 == 0:
                exchanges.append(booked.body["id"])
    assert len(exchanges) >= 2
    assert violations(service) == []
    service.plan_jobs.create("ops", PlanCreate(date=tomorrow(), time_limit_s=1.0), now)
    jobs.run_job(service, started.pop())
    plan = service.current_plan(tomorrow())
    stops = {s.booking_id: s for route in plan.routes.values() for s in route.stops}
    assert all(stops[pickup].delivery == Load(1800, 8000, 2) for pickup in exchanges)
    assert violations(service) == []  # the validator checks what is on board at every point, both ways
    store.dispose()
