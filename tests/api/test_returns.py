"""A return's journey through the API: events in (roles, idempotency, the state machine's 409s),
failed pickups rebooked, one timeline per return, lists, and a whole day run through events."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any, get_args
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text, update
from sqlalchemy.exc import DBAPIError

from api.deps import get_now
from api.main import create_app
from api.schemas.returns import Stage
from api.services import Service
from api.tables import ReturnEventRow
from tests.api.api_client import KEYS, OPERATOR, PLATFORM, return_fields, settings, slot, tomorrow
from tests.api.invariant import center_day_violations, journey_violations, violations

ZONE = ZoneInfo("Asia/Shanghai")
CENTERS = {"X-API-Key": "cs-secret"}
"""A center system that reports for every center of the region."""
C1_ONLY = {"X-API-Key": "c1-secret"}
C3_ONLY = {"X-API-Key": "c3-secret"}
STAGES = list(get_args(Stage))
REPORTED = {"picked_up", "dropped_off", "received", "inspected", "refunded"}
"""Stages that are actual only when an event says so."""


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    config = settings(
        database_url,
        couriers_per_depot=3,
        vehicle_parcels=40,
        api_keys=KEYS + ",centers:cs-secret,c1:c1-secret,c3:c3-secret",
        center_tenants="centers:C1,centers:C2,centers:C3,c1:C1,c3:C3",
    )
    with TestClient(create_app(config)) as test_client:
        yield test_client


def _service(client: TestClient) -> Service:
    service: Service = client.app.state.service  # type: ignore[attr-defined]
    return service


def _clock(client: TestClient, moment: datetime) -> None:
    client.app.dependency_overrides[get_now] = lambda: moment  # type: ignore[attr-defined]


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)


def _book(client: TestClient, hour: int = 11, **fields: Any) -> dict[str, Any]:
    response = client.post("/v1/pickups", json={"slot_id": slot(hour), **return_fields(**fields)}, headers=PLATFORM)
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == f"/v1/pickups/{response.json()['id']}"
    booked: dict[str, Any] = response.json()
    return booked


def _event(
    client: TestClient, return_id: str, kind: str, at: datetime, headers: dict[str, str] = OPERATOR, **detail: str
) -> Any:
    event_id = f"{kind}-{return_id}-{at.timestamp():.0f}"
    body = {"event_id": event_id, "type": kind, "at": at.isoformat(), **detail}
    return client.post(f"/v1/returns/{return_id}/events", json=body, headers=headers)


def _accepted(response: Any, status: str) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert response.headers["Location"] == f"/v1/returns/{body['return_id']}"
    return body


def _check_stored(service: Service) -> None:
    assert violations(service) == []  # every route passes the independent validator
    assert center_day_violations(service) == []
    assert journey_violations(service) == []


def event_time(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["at"])


def _consistent(shown: dict[str, Any]) -> list[str]:
    """What is wrong with a return's timeline: stage order, times going back, actual without an event."""
    problems = []
    timeline, events = shown["timeline"], shown["events"]
    order = [STAGES.index(entry["stage"]) for entry in timeline]
    if order != sorted(order) or len(set(order)) != len(order):
        problems.append(f"stages out of order: {[e['stage'] for e in timeline]}")
    times = [datetime.fromisoformat(entry["at"]) for entry in timeline]
    if any(b < a for a, b in itertools.pairwise(times)):
        problems.append(f"times go back: {[e['at'] for e in timeline]}")
    reported = {e["type"]: e for e in events}
    for entry in timeline:
        event = reported.get(entry["stage"])
        at = datetime.fromisoformat(entry["at"])
        if entry["stage"] in REPORTED and not entry["estimated"] and (event is None or event_time(event) != at):
            problems.append(f"{entry['stage']} is actual but no event says when")
        known = {"requested", timeline[1]["stage"]} | REPORTED
        if entry["stage"] not in known and not entry["estimated"]:
            problems.append(f"{entry['stage']} is never reported, yet shown as actual")
        if event is not None and entry["estimated"]:
            problems.append(f"{entry['stage']} happened but is shown as an estimate")
    return problems


def _shown(client: TestClient, return_id: str, headers: dict[str, str] = PLATFORM) -> dict[str, Any]:
    response = client.get(f"/v1/returns/{return_id}", headers=headers)
    assert response.status_code == 200, response.text
    shown: dict[str, Any] = response.json()
    assert _consistent(shown) == [], shown
    return shown


def test_a_day_of_50_pickups_runs_through_its_events(client: TestClient) -> None:
    service, day, rng = _service(client), tomorrow(), random.Random(12)
    booked = []
    for _ in range(50):
        origin = {"lat": 31.2270 + 0.008 * rng.random(), "lon": 121.4690 + 0.009 * rng.random()}
        booked.append(_book(client, hour=rng.choice([9, 11, 13, 15, 17]), origin=origin))
    _check_stored(service)
    for pickup in booked:
        shown = _shown(client, pickup["return_id"])
        assert shown["status"] == "pickup_booked"
        assert [e["estimated"] for e in shown["timeline"][:2]] == [False, False]
        assert all(e["estimated"] for e in shown["timeline"][2:])  # nothing else has happened

    evening = _local(day, 21)
    _clock(client, evening)
    failed, rest = booked[:5], booked[5:]
    options = {}
    for pickup in failed:
        answer = _accepted(
            _event(client, pickup["return_id"], "pickup_failed", evening, reason="not_home"), "pickup_failed"
        )
        assert not answer["drop_off_only"]
        assert answer["rebook_options"], "the next day's slots can take it"
        assert all(o["available"] and o["amount_cents"] > o["marginal_cost_cents"] for o in answer["rebook_options"])
        assert {o["slot_id"][:10] for o in answer["rebook_options"]} == {(day + timedelta(days=1)).isoformat()}
        options[pickup["id"]] = answer["rebook_options"][0]["slot_id"]
        _check_stored(service)  # the failed stop left its route
        shown = _shown(client, pickup["return_id"])
        assert [e["stage"] for e in shown["timeline"]] == ["requested", "pickup_booked"]  # nothing to estimate yet
    for pickup in failed[:3]:
        again = client.patch(f"/v1/pickups/{pickup['id']}", json={"slot_id": options[pickup["id"]]}, headers=PLATFORM)
        assert again.status_code == 200, again.text
        assert again.json()["status"] == "booked"
        _check_stored(service)
    for pickup in failed[3:]:  # the shopper takes the other two to a drop-off point
        _accepted(_event(client, pickup["return_id"], "dropped_off", evening), "dropped_off")
    for pickup in rest:
        served = next(e for e in _shown(client, pickup["return_id"])["timeline"] if e["stage"] == "picked_up")
        _accepted(_event(client, pickup["return_id"], "picked_up", datetime.fromisoformat(served["at"])), "picked_up")
    _check_stored(service)

    next_evening = _local(day + timedelta(days=1), 21)
    _clock(client, next_evening)
    for pickup in failed[:3]:
        _accepted(_event(client, pickup["return_id"], "picked_up", next_evening - timedelta(hours=5)), "picked_up")
    _check_stored(service)

    later = _local(day + timedelta(days=4), 20)
    _clock(client, later)
    for k, pickup in enumerate(booked):
        return_id = pickup["return_id"]
        _accepted(_event(client, return_id, "received", later - timedelta(hours=30), CENTERS), "received")
        grade, disposition = ("A", "restock") if k % 2 else ("C", "refurbish")
        inspected = _event(
            client, return_id, "inspected", later - timedelta(hours=20), CENTERS, grade=grade, disposition=disposition
        )
        _accepted(inspected, "inspected")
        _accepted(_event(client, return_id, "refunded", later - timedelta(hours=2)), "refunded")
    _check_stored(service)
    for k, pickup in enumerate(booked):
        shown = _shown(client, pickup["return_id"])
        assert shown["status"] == "refunded"
        stages = {e["stage"]: e for e in shown["timeline"]}
        assert stages["inspected"]["grade"] == ("A" if k % 2 else "C")
        assert not any(e["estimated"] for e in shown["timeline"] if e["stage"] in REPORTED)
        collected = "dropped_off" if pickup in failed[3:] else "picked_up"
        assert collected in stages
    assert (
        client.get("/v1/returns", params={"status": "refunded", "limit": 200}, headers=PLATFORM)
        .json()["items"]
        .__len__()
        == 50
    )


def test_the_state_machine_refuses_what_cannot_happen_with_a_code(client: TestClient) -> None:
    pickup = _book(client)
    now = datetime.now(ZONE)
    refused = _event(client, pickup["return_id"], "refunded", now)
    assert refused.status_code == 409
    assert refused.json()["code"] == "invalid_transition"
    refused = _event(client, pickup["return_id"], "dropped_off", now)
    assert refused.json()["code"] == "invalid_transition"  # a booked pickup is picked up, or fails first
    _accepted(_event(client, pickup["return_id"], "picked_up", now), "picked_up")
    cancel = client.delete(f"/v1/pickups/{pickup['id']}", headers=PLATFORM)
    assert cancel.status_code == 409
    assert cancel.json()["code"] == "invalid_transition"
    moved = client.patch(f"/v1/pickups/{pickup['id']}", json={"slot_id": slot(15)}, headers=PLATFORM)
    assert moved.status_code == 409
    assert moved.json()["code"] == "pickup_not_booked"
    assert _shown(client, pickup["return_id"])["status"] == "picked_up"
    quote = client.post("/v1/quotes", json=return_fields(), headers=PLATFORM).json()
    point = next(o["point_id"] for o in quote["options"] if o["method"] == "drop_off")
    dropoff = client.post("/v1/dropoffs", json={"quote_id": quote["quote_id"], "point_id": point}, headers=PLATFORM)
    for kind, detail in (("pickup_failed", {"reason": "not_home"}), ("picked_up", {})):
        refused = _event(client, dropoff.json()["return_id"], kind, datetime.now(ZONE), OPERATOR, **detail)
        assert refused.status_code == 409, refused.text  # a drop-off has no courier at the door
        assert refused.json()["code"] == "invalid_transition"


def test_after_the_last_attempt_only_a_drop_off_is_left(client: TestClient) -> None:
    pickup = _book(client)
    now = datetime.now(ZONE)
    first = _accepted(_event(client, pickup["return_id"], "pickup_failed", now, reason="not_home"), "pickup_failed")
    rebook = first["rebook_options"][0]["slot_id"]
    assert client.patch(f"/v1/pickups/{pickup['id']}", json={"slot_id": rebook}, headers=PLATFORM).status_code == 200
    second = _event(client, pickup["return_id"], "pickup_failed", now + timedelta(seconds=1), reason="item_not_ready")
    answer = _accepted(second, "pickup_failed")
    assert answer["drop_off_only"]
    assert answer["rebook_options"] == []
    assert len(answer["drop_off_points"]) == 3
    assert all(point["distance_m"] > 0 for point in answer["drop_off_points"])
    again = client.patch(f"/v1/pickups/{pickup['id']}", json={"slot_id": slot(17)}, headers=PLATFORM)
    assert again.status_code == 409
    assert again.json()["code"] == "attempts_exhausted"
    _accepted(_event(client, pickup["return_id"], "dropped_off", now + timedelta(seconds=2)), "dropped_off")
    shown = _shown(client, pickup["return_id"])
    assert shown["failed_attempts"] == 2
    assert [e["type"] for e in shown["events"]] == [
        "pickup_failed",
        "rebooked",
        "pickup_failed",
        "dropped_off",
    ]
    _check_stored(_service(client))


def test_an_event_is_applied_once_by_its_id(client: TestClient) -> None:
    pickup = _book(client)
    now = datetime.now(ZONE)
    body = {"event_id": "courier-42:stop-7", "type": "picked_up", "at": now.isoformat()}
    url = f"/v1/returns/{pickup['return_id']}/events"
    first = client.post(url, json=body, headers=OPERATOR)
    assert first.status_code == 201
    again = client.post(url, json=body, headers=OPERATOR)
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    other = client.post(url, json=body | {"at": (now - timedelta(minutes=1)).isoformat()}, headers=OPERATOR)
    assert other.status_code == 422
    assert other.json()["code"] == "event_id_reused"
    assert [e["event_id"] for e in _shown(client, pickup["return_id"])["events"]] == ["courier-42:stop-7"]


def test_only_the_operator_and_the_centers_systems_post_events(client: TestClient) -> None:
    pickup = _book(client)
    now = datetime.now(ZONE)
    return_id = pickup["return_id"]
    assert _event(client, return_id, "picked_up", now, PLATFORM).status_code == 403  # the shopper's platform
    assert _event(client, return_id, "picked_up", now, CENTERS).status_code == 403  # a center does not collect
    _accepted(_event(client, return_id, "picked_up", now), "picked_up")
    mine, other = (C1_ONLY, C3_ONLY) if pickup["center_id"] == "C1" else (CENTERS, C1_ONLY)
    assert _event(client, return_id, "received", now, other).status_code == 404  # another center's return
    _accepted(_event(client, return_id, "received", now, mine), "received")
    assert client.get(f"/v1/returns/{return_id}", headers=CENTERS).status_code == 404  # reading is the owner's
    assert client.get(f"/v1/returns/{return_id}", headers=OPERATOR).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "pickup_failed"}, "reason"),
        ({"type": "inspected", "grade": "A"}, "disposition"),
        ({"type": "picked_up", "grade": "A"}, "grade"),
        ({"type": "lost"}, "type"),
        ({"at": "2026-11-28T10:00:00"}, "at"),
        ({"event_id": "has space"}, "event_id"),
    ],
)
def test_a_bad_event_is_a_422_naming_the_field(client: TestClient, body: dict[str, Any], field: str) -> None:
    pickup = _book(client)
    event = {"event_id": "e-1", "type": "picked_up", "at": datetime.now(ZONE).isoformat()} | body
    response = client.post(f"/v1/returns/{pickup['return_id']}/events", json=event, headers=OPERATOR)
    assert response.status_code == 422, response.text
    assert field in response.text


def test_an_event_in_the_future_or_before_the_return_is_refused(client: TestClient) -> None:
    pickup = _book(client)
    late = _event(client, pickup["return_id"], "picked_up", datetime.now(ZONE) + timedelta(hours=1))
    assert late.status_code == 422
    early = _event(client, pickup["return_id"], "picked_up", datetime.now(ZONE) - timedelta(days=1))
    assert early.status_code == 422
    assert "at" in early.text


def test_lists_page_through_every_return_once_with_filters(client: TestClient) -> None:
    made = [
        _book(client, hour=9 + 2 * (k % 5), origin={"lat": 31.2290 + k * 0.0003, "lon": 121.4737}) for k in range(11)
    ]
    made.append(_book(client, merchant_id="m-2"))
    quote = client.post("/v1/quotes", json=return_fields(), headers=PLATFORM).json()
    point = next(o["point_id"] for o in quote["options"] if o["method"] == "drop_off")
    dropoff = client.post("/v1/dropoffs", json={"quote_id": quote["quote_id"], "point_id": point}, headers=PLATFORM)
    assert dropoff.headers["Location"] == f"/v1/dropoffs/{dropoff.json()['return_id']}"
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 5} | ({"cursor": cursor} if cursor else {})
        page = client.get("/v1/returns", params=params, headers=PLATFORM).json()
        seen += [item["return_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [p["return_id"] for p in made] + [dropoff.json()["return_id"]]
    by_merchant = client.get("/v1/returns", params={"merchant_id": "m-2"}, headers=PLATFORM).json()["items"]
    assert [item["return_id"] for item in by_merchant] == [made[-1]["return_id"]]
    on_day = client.get("/v1/returns", params={"date": tomorrow().isoformat()}, headers=PLATFORM).json()["items"]
    assert {item["method"] for item in on_day} == {"pickup"}
    assert client.get("/v1/returns", headers={"X-API-Key": "mk-secret"}).json()["items"] == []  # another tenant's
    assert len(client.get("/v1/returns", params={"limit": 200}, headers=OPERATOR).json()["items"]) == 13
    bad = client.get("/v1/returns", params={"cursor": "not-a-cursor"}, headers=PLATFORM)
    assert bad.status_code == 422
    assert "cursor" in bad.text


def test_the_event_log_is_append_only_in_the_database(client: TestClient) -> None:
    pickup = _book(client)
    _accepted(_event(client, pickup["return_id"], "picked_up", datetime.now(ZONE)), "picked_up")
    store = _service(client).store
    for statement in (update(ReturnEventRow).values(type="refunded"), text("DELETE FROM return_events")):
        with pytest.raises(DBAPIError, match="append-only"), store.write() as session:
            session.execute(statement)
    assert [e["type"] for e in _shown(client, pickup["return_id"])["events"]] == ["picked_up"]
