"""The service through FastAPI's TestClient: the contract other systems rely on, and its guards."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.errors import ConflictError
from api.main import create_app
from api.tables import BookingRow
from optimizer.domain import Location, Parcel, PickupRequest, TimeWindow
from optimizer.live import plan_problem, plan_result
from optimizer.routing.validator import validate
from tests.api.api_client import ADDRESS, MERCHANT, OPERATOR, PLATFORM, return_fields, settings, slot, tomorrow


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(settings(database_url))) as test_client:
        yield test_client


def _book(client: TestClient, key: str | None = None, **body: Any) -> Any:
    headers = dict(PLATFORM) | ({"Idempotency-Key": key} if key else {})
    payload = {"slot_id": slot(), **return_fields()} | body
    return client.post("/v1/pickups", json=payload, headers=headers)


def test_quote_offers_pickup_slots_and_drop_off_points_with_payer(client: TestClient) -> None:
    body = return_fields(reason="damaged") | {"date_from": tomorrow().isoformat()}
    response = client.post("/v1/quotes", json=body, headers=PLATFORM)
    assert response.status_code == 200, response.text
    quote = response.json()
    assert quote["quote_id"]
    assert quote["expires_at"]
    methods = [o["method"] for o in quote["options"]]
    assert methods[0] == "pickup"
    assert methods.count("drop_off") == 3
    for option in quote["options"]:
        assert option["payer"] == "merchant"  # a quality problem: the merchant pays
        assert option["currency"] == "CNY"
        assert option["center_id"] is not None
        assert option["amount_cents"] > 0
    pickup = quote["options"][0]
    assert {"slot_id", "start", "end", "marginal_cost_cents", "green"} <= set(pickup["slots"][0])
    drop = quote["options"][1]
    assert drop["point_id"]
    assert drop["distance_m"] > 0


def test_insured_customer_return_is_split_between_insurer_and_customer(client: TestClient) -> None:
    body = return_fields(reason="changed_mind", insured=True) | {"date_from": tomorrow().isoformat()}
    pickup = client.post("/v1/quotes", json=body, headers=PLATFORM).json()["options"][0]
    shares = {p["payer"]: p["amount_cents"] for p in pickup["payers"]}
    assert shares["insurer"] == min(1200, pickup["amount_cents"])
    assert sum(shares.values()) == pickup["amount_cents"]


def test_slots_become_green_next_to_a_booked_route(client: TestClient) -> None:
    params = {**ADDRESS, "date_from": tomorrow().isoformat()}
    before = client.get("/v1/pickup-slots", params=params, headers=PLATFORM).json()["slots"]
    assert all(s["available"] and not s["green"] for s in before)
    assert _book(client).status_code == 201
    after = {s["slot_id"]: s for s in client.get("/v1/pickup-slots", params=params, headers=PLATFORM).json()["slots"]}
    assert after[slot()]["green"]
    assert after[slot()]["marginal_cost_cents"] < min(s["marginal_cost_cents"] for s in before)


def test_booking_is_idempotent_and_never_oversells(client: TestClient) -> None:
    first = _book(client, key="order-1")
    assert first.status_code == 201, first.text
    again = _book(client, key="order-1")
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    other_body = _book(client, key="order-1", slot_id=slot(13))
    assert other_body.status_code == 422
    assert other_body.json()["code"] == "idempotency_key_reused"
    # 2 couriers x 5 parcels: 9 more fit, then the slot is refused
    codes = [_book(client, key=f"order-{i}").status_code for i in range(2, 14)]
    assert codes.count(201) == 9
    assert set(codes[9:]) == {409}
    listed = client.get(
        "/v1/pickup-slots", params={**ADDRESS, "date_from": tomorrow().isoformat()}, headers=PLATFORM
    ).json()
    assert not any(s["available"] for s in listed["slots"])


def test_read_cancel_and_reschedule(client: TestClient) -> None:
    booking = _book(client).json()
    shown = client.get(f"/v1/pickups/{booking['id']}", headers=PLATFORM).json()
    stages = [(e["stage"], e["estimated"]) for e in shown["timeline"]]
    assert stages[:2] == [("requested", False), ("pickup_booked", False)]  # nothing else has happened yet
    assert [s for s, _ in stages[2:]] == ["picked_up", "at_depot", "dispatched", "received", "inspected", "refunded"]
    assert all(estimated for _, estimated in stages[2:])
    assert shown["courier_id"]
    moved = client.patch(f"/v1/pickups/{booking['id']}", json={"slot_id": slot(15)}, headers=PLATFORM)
    assert moved.status_code == 200
    assert moved.json()["slot_id"] == slot(15)
    picked = next(e for e in moved.json()["timeline"] if e["stage"] == "picked_up")
    assert "T15:" in picked["at"] or "T16:" in picked["at"]
    cancelled = client.delete(f"/v1/pickups/{booking['id']}", headers=PLATFORM)
    assert cancelled.json()["status"] == "cancelled"
    assert client.patch(f"/v1/pickups/{booking['id']}", json={"slot_id": slot(9)}, headers=PLATFORM).status_code == 409


def test_tenants_need_a_key_and_see_only_their_bookings(client: TestClient) -> None:
    assert client.get("/v1/pickup-slots", params=ADDRESS).status_code == 401
    assert client.get("/v1/pickup-slots", params=ADDRESS, headers={"X-API-Key": "nope"}).status_code == 401
    booking = _book(client).json()
    assert client.get(f"/v1/pickups/{booking['id']}", headers=MERCHANT).status_code == 404
    assert client.delete(f"/v1/pickups/{booking['id']}", headers=MERCHANT).status_code == 404
    assert client.get(f"/v1/pickups/{booking['id']}", headers=PLATFORM).status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"parcels": [{"weight_g": -1, "volume_cm3": 10}]}, "weight_g"),
        ({"origin": {"lat": 40.0, "lon": 116.4}}, "origin"),
        ({"reason": "bored"}, "reason"),
        ({"category": "toys"}, "category"),
        ({"slot_id": "tomorrow at nine"}, "slot_id"),
        ({"slot_id": "2020-01-01T09:00-11:00"}, "slot_id"),
        ({"parcels": [{"weight_g": 10, "volume_cm3": 10, "count": 50}]}, "parcels"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_input_is_422_naming_the_field(client: TestClient, change: dict[str, Any], field: str) -> None:
    response = _book(client, **change)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert field in str(problem["errors"][0]["loc"])


def test_oversized_bodies_are_refused(client: TestClient) -> None:
    huge = "x" * 300_000
    response = client.post("/v1/quotes", content=huge, headers=PLATFORM | {"content-type": "application/json"})
    assert response.status_code == 413


def test_live_plan_in_the_database_passes_the_independent_validator(client: TestClient) -> None:
    for hour, lat in ((9, 31.226), (11, 31.2304), (11, 31.235), (13, 31.228), (17, 31.232), (9, 31.238)):
        origin = {"lat": lat, "lon": 121.4737}
        assert _book(client, origin=origin, slot_id=slot(hour)).status_code == 201
    service = client.app.state.service  # type: ignore[attr-defined]
    service.plans._cache.clear()  # read what is stored, not this worker's cache
    plan = service.plans.read(tomorrow())
    with service.store.read() as session:
        rows = session.execute(select(BookingRow)).scalars().all()
    stops = {s.booking_id: s for route in plan.routes.values() for s in route.stops}
    requests = [
        PickupRequest(
            r.id,
            Location(r.lat, r.lon),
            (TimeWindow(r.slot_start_s, r.slot_end_s),),
            stops[r.id].service_s,
            tuple(Parcel(p["weight_g"], p["volume_cm3"], p.get("count", 1)) for p in r.parcels),
        )
        for r in rows
    ]
    problem = plan_problem(service.desk.planner, plan, requests)
    assert validate(problem, plan_result(problem, plan)) == []


def test_plan_job_reoptimises_the_day(client: TestClient) -> None:
    for hour in (9, 11, 13):
        assert _book(client, slot_id=slot(hour)).status_code == 201
    started = client.post("/v1/plans", json={"date": tomorrow().isoformat(), "time_limit_s": 2}, headers=OPERATOR)
    assert started.status_code == 202
    job_id = started.json()["id"]
    for _ in range(120):
        job = client.get(f"/v1/plans/{job_id}", headers=OPERATOR).json()
        if job["status"] not in {"queued", "running"}:
            break
        time.sleep(0.5)
    assert job["status"] == "done", job
    assert job["cost_after_cents"] <= job["cost_before_cents"]
    assert sum(len(route["stops"]) for route in job["routes"]) == 3
    assert (
        client.post(
            "/v1/plans", json={"date": tomorrow().isoformat(), "time_limit_s": 1e6}, headers=OPERATOR
        ).status_code
        == 422
    )
    assert client.get(f"/v1/plans/{job_id}", headers=MERCHANT).status_code == 403


def test_background_replanning_queues_each_changed_day_once(client: TestClient) -> None:
    service = client.app.state.service  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    assert service.plan_jobs.background(now) == []  # nothing booked
    assert _book(client).status_code == 201
    first = service.plan_jobs.background(now)
    assert first == [f"auto-{tomorrow().isoformat()}-1"]
    assert service.plan_jobs.background(now) == [], "another worker asking again gets nothing"
    assert _book(client, slot_id=slot(13)).status_code == 201
    assert service.plan_jobs.background(now) == [f"auto-{tomorrow().isoformat()}-2"]


def test_assignments_in_batch(client: TestClient) -> None:
    body = {
        "returns": [
            {"id": "a", "category": "apparel", "weight_g": 500, "origin": "P01"},
            {"id": "b", "category": "bulky", "weight_g": 25_000, "location": ADDRESS, "method": "pickup"},
        ]
    }
    response = client.post("/v1/assignments", json=body, headers=PLATFORM)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["optimal"] is True
    assert {a["id"] for a in report["assignments"]} == {"a", "b"}
    assert report["total_cost_cents"] <= report["baseline_cost_cents"]
    bad = {"returns": [{"id": "a", "category": "apparel", "weight_g": 500, "origin": "nowhere"}]}
    assert client.post("/v1/assignments", json=bad, headers=PLATFORM).status_code == 422


def test_health_readiness_metrics_and_openapi(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["status"] == "ready"
    client.get("/v1/pickup-slots", params=ADDRESS, headers=PLATFORM)
    assert 'route="/v1/pickup-slots"' in client.get("/metrics", headers=OPERATOR).text
    operations = {
        op["operationId"] for path in client.get("/openapi.json").json()["paths"].values() for op in path.values()
    }
    expected = {"create_quote", "list_pickup_slots", "create_pickup", "get_pickup", "cancel_pickup"}
    assert expected | {"reschedule_pickup", "create_plan", "get_plan", "create_assignment"} <= operations


def test_booking_from_a_quote_checks_signature_tenant_and_expiry(client: TestClient) -> None:
    body = return_fields() | {"date_from": tomorrow().isoformat()}
    quote = client.post("/v1/quotes", json=body, headers=PLATFORM).json()
    slot_id = quote["options"][0]["slots"][1]["slot_id"]
    booked = client.post("/v1/pickups", json={"quote_id": quote["quote_id"], "slot_id": slot_id}, headers=PLATFORM)
    assert booked.status_code == 201, booked.text
    forged = quote["quote_id"][:-3] + ("AAA" if not quote["quote_id"].endswith("AAA") else "BBB")
    assert (
        client.post("/v1/pickups", json={"quote_id": forged, "slot_id": slot_id}, headers=PLATFORM).status_code == 404
    )
    theirs = {"quote_id": quote["quote_id"], "slot_id": slot_id}
    assert client.post("/v1/pickups", json=theirs, headers=MERCHANT).status_code == 404
    service = client.app.state.service  # type: ignore[attr-defined]
    later = datetime.now(UTC) + timedelta(hours=1)
    with pytest.raises(ConflictError, match="expired"):
        service.quotes.opened("platform", quote["quote_id"], later)


def test_a_quote_id_with_a_non_ascii_character_is_a_404_not_a_500(client: TestClient) -> None:
    body = {"quote_id": "qt_é.ABC", "slot_id": slot()}
    response = client.post("/v1/pickups", json=body, headers=PLATFORM)
    assert response.status_code == 404, response.text


def test_a_plan_for_a_day_outside_the_booking_horizon_is_a_422_naming_the_date(client: TestClient) -> None:
    for day in ("9999-12-31", "2000-01-01"):
        response = client.post("/v1/plans", json={"date": day, "time_limit_s": 1}, headers=OPERATOR)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["loc"] == ["body", "date"]


def test_every_answer_says_how_long_the_worker_spent_on_it(client: TestClient) -> None:
    for response in (client.get("/healthz"), client.post("/v1/quotes", json=return_fields(), headers=PLATFORM)):
        timing = response.headers["server-timing"]
        assert timing.startswith("app;dur=")
        assert 0 <= float(timing.removeprefix("app;dur=")) < 60_000
