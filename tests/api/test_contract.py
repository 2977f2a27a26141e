"""Regression tests named after the review's findings on roles, bounded work, idempotency, quotes and errors."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from api import jobs
from api.deps import get_now
from api.errors import CODES, RateLimitedError
from api.main import create_app
from api.schemas import PickupCreate, PlanCreate, Problem
from api.services import Service
from api.services.idempotency import request_hash
from api.store import Store
from api.tables import BookingRow
from tests.api.api_client import (
    ADDRESS,
    MERCHANT,
    OPERATOR,
    PLATFORM,
    return_fields,
    settings,
    slot,
    tomorrow,
)

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(settings(database_url))) as test_client:
        yield test_client


def _service(client: TestClient) -> Service:
    service: Service = client.app.state.service  # type: ignore[attr-defined]
    return service


def _book(client: TestClient, key: str | None = None, headers: dict[str, str] = PLATFORM, **body: Any) -> Any:
    extra = {"Idempotency-Key": key} if key else {}
    return client.post("/v1/pickups", json={"slot_id": slot(), **return_fields()} | body, headers=headers | extra)


def _quote(client: TestClient, headers: dict[str, str] = PLATFORM, **fields: Any) -> dict[str, Any]:
    body = return_fields(**fields) | {"date_from": tomorrow().isoformat()}
    response = client.post("/v1/quotes", json=body, headers=headers)
    assert response.status_code == 200, response.text
    quote: dict[str, Any] = response.json()
    return quote


def _clock(client: TestClient, moment: datetime) -> None:
    client.app.dependency_overrides[get_now] = lambda: moment  # type: ignore[attr-defined]


def _is_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    Problem.model_validate(body)
    assert body["code"] == code, body
    assert body["status"] == status
    return body


# --- roles -------------------------------------------------------------------------------------


def test_any_tenant_could_replan_the_shared_day_now_plans_and_routes_are_operator_only(client: TestClient) -> None:
    booked = _book(client).json()
    day = tomorrow().isoformat()
    _is_problem(client.post("/v1/plans", json={"date": day}, headers=PLATFORM), 403, "forbidden")
    _is_problem(client.get(f"/v1/days/{day}/routes", headers=PLATFORM), 403, "forbidden")
    _is_problem(client.get("/v1/plans/pl_x", headers=MERCHANT), 403, "forbidden")
    routes = client.get(f"/v1/days/{day}/routes", headers=OPERATOR)
    assert routes.status_code == 200, routes.text
    stops = [stop for route in routes.json()["routes"] for stop in route["stops"]]
    assert [stop["pickup_id"] for stop in stops] == [booked["id"]]
    start = datetime.fromisoformat(stops[0]["service_start"])
    assert start.utcoffset() is not None, "service_start carries its offset"
    assert datetime.fromisoformat(booked["slot_start"]) <= start <= datetime.fromisoformat(booked["slot_end"])


def test_a_client_never_sees_another_tenants_pickup_ids(client: TestClient) -> None:
    theirs = _book(client).json()["id"]
    answers = [
        client.post("/v1/quotes", json=return_fields(merchant_id="m-7"), headers=MERCHANT),
        client.get("/v1/pickup-slots", params=ADDRESS | {"date_from": tomorrow().isoformat()}, headers=MERCHANT),
        client.post("/v1/plans", json={"date": tomorrow().isoformat()}, headers=MERCHANT),
        client.get(f"/v1/days/{tomorrow().isoformat()}/routes", headers=MERCHANT),
    ]
    for answer in answers:
        assert theirs not in answer.text, answer.request.url


# --- bounded work ------------------------------------------------------------------------------


def test_plan_jobs_are_one_per_day_and_bounded_per_tenant_and_server_with_429_and_retry_after(
    database_url: str,
) -> None:
    with TestClient(create_app(settings(database_url, max_jobs_per_tenant=1, max_queued_jobs=2))) as client:
        started: list[str] = []
        _service(client).plan_jobs.run_job = started.append  # jobs stay queued: nothing runs them
        first = client.post("/v1/plans", json={"date": tomorrow().isoformat(), "time_limit_s": 30}, headers=OPERATOR)
        assert first.status_code == 202, first.text
        assert first.headers["Location"] == f"/v1/plans/{first.json()['id']}"
        again = client.post("/v1/plans", json={"date": tomorrow().isoformat()}, headers=OPERATOR)
        assert again.status_code == 200
        assert again.json()["id"] == first.json()["id"], "one job per region-day"
        later = (tomorrow() + timedelta(days=1)).isoformat()
        refused = client.post("/v1/plans", json={"date": later}, headers=OPERATOR)
        _is_problem(refused, 429, "rate_limited")
        assert 1 <= int(refused.headers["Retry-After"]) <= 30
        assert started == [first.json()["id"]]
    service = _service(client)
    other = service.plan_jobs.create("ops-2", PlanCreate(date=tomorrow() + timedelta(days=1)), datetime.now(UTC))
    assert other[1], "another operator has a quota of its own"
    with pytest.raises(RateLimitedError, match="server"):
        service.plan_jobs.create("ops-3", PlanCreate(date=tomorrow() + timedelta(days=2)), datetime.now(UTC))


def test_job_rows_were_never_purged_now_old_ones_are(client: TestClient) -> None:
    service = _service(client)
    service.plan_jobs.run_job = lambda _job_id: None
    job, _ = service.plan_jobs.create("ops", PlanCreate(date=tomorrow()), datetime.now(UTC))
    assert service.plan_jobs.purge(datetime.now(UTC)) == 0
    service.housekeeping(datetime.now(UTC) + timedelta(days=8))
    _is_problem(client.get(f"/v1/plans/{job.id}", headers=OPERATOR), 404, "not_found")


def test_a_broken_job_pool_is_restarted_and_readyz_reports_when_jobs_cannot_run(client: TestClient) -> None:
    pool: Any = _service(client).plan_jobs.run_job
    pool._executor.shutdown()  # what a dead pool does: refuse new work
    future = pool("pl_missing")  # replaced, and the job runs (it finds no row and ends)
    assert future.result(timeout=120) is None
    assert client.get("/readyz").status_code == 200
    broken = pool._fresh()
    broken.shutdown()
    pool._fresh = lambda: broken  # a pool that cannot be started again
    pool._executor = broken
    _is_problem(
        client.post("/v1/plans", json={"date": tomorrow().isoformat()}, headers=OPERATOR), 503, "service_unavailable"
    )
    ready = _is_problem(client.get("/readyz"), 503, "service_unavailable")
    assert "plan jobs cannot run" in ready["detail"]


def test_cpu_heavy_handlers_blocked_the_event_loop_now_they_run_in_threads(client: TestClient) -> None:
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, APIRoute) and route.path.startswith("/v1/"):
            assert not inspect.iscoroutinefunction(route.endpoint), f"{route.path} runs on the event loop"


# --- idempotency -------------------------------------------------------------------------------


def test_a_retry_after_the_quote_expired_returns_the_original_booking(client: TestClient) -> None:
    quote = _quote(client)
    slot_id = next(s["slot_id"] for s in quote["options"][0]["slots"] if s["available"])
    body = {"quote_id": quote["quote_id"], "slot_id": slot_id}
    headers = PLATFORM | {"Idempotency-Key": "order-77"}
    first = client.post("/v1/pickups", json=body, headers=headers)
    assert first.status_code == 201, first.text
    _clock(client, datetime.now(UTC) + timedelta(hours=1))  # the quote expired meanwhile
    retry = client.post("/v1/pickups", json=body, headers=headers)
    assert retry.status_code == 201, retry.text
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    fresh = client.post("/v1/pickups", json=body, headers=PLATFORM | {"Idempotency-Key": "order-78"})
    _is_problem(fresh, 409, "quote_expired")


def test_a_concurrent_duplicate_got_slot_full_now_409_idempotency_key_in_use(client: TestClient) -> None:
    service = _service(client)
    body = {"slot_id": slot(), **return_fields()}
    fingerprint = request_hash(
        {"operation": "create_pickup", "body": PickupCreate.model_validate(body).model_dump(mode="json")}
    )
    assert service.bookings.idempotency.claim("platform", "in-flight", fingerprint, datetime.now(UTC)) is None
    busy = client.post("/v1/pickups", json=body, headers=PLATFORM | {"Idempotency-Key": "in-flight"})
    _is_problem(busy, 409, "idempotency_key_in_use")
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: _book(client, key="same-order"), range(8)))
    created = {a.json()["id"] for a in answers if a.status_code == 201}
    assert len(created) == 1, [a.text for a in answers]
    assert all(a.status_code == 201 or a.json()["code"] == "idempotency_key_in_use" for a in answers)
    with service.store.read() as session:
        assert session.scalar(select(func.count()).select_from(BookingRow)) == 1


def test_a_replay_rebuilt_the_body_from_todays_state_now_it_returns_the_first_response(client: TestClient) -> None:
    first = _book(client, key="order-9")
    assert first.status_code == 201
    assert client.delete(f"/v1/pickups/{first.json()['id']}", headers=PLATFORM).json()["status"] == "cancelled"
    replay = _book(client, key="order-9")
    assert replay.status_code == 201
    assert replay.json() == first.json()
    assert replay.json()["status"] == "booked"


def test_a_refusal_is_the_keys_first_response_too(client: TestClient) -> None:
    closed_slot = slot(9, tomorrow())
    _clock(client, datetime.combine(tomorrow(), datetime.min.time(), ZONE) + timedelta(hours=10, minutes=30))
    refused = _book(client, key="late-order", slot_id=closed_slot)
    _is_problem(refused, 409, "booking_closed")
    again = _book(client, key="late-order", slot_id=closed_slot)
    assert again.json() == refused.json()


# --- quotes bind -------------------------------------------------------------------------------


def test_a_quote_bound_nothing_now_it_books_once_at_the_quoted_amount_and_payers(client: TestClient) -> None:
    quote = _quote(client, insured=True, reason="size_or_fit")
    pickup = quote["options"][0]
    offered = [s for s in pickup["slots"] if s["available"]]
    chosen = offered[-1]
    assert chosen["amount_cents"] >= pickup["amount_cents"] == min(s["amount_cents"] for s in offered)
    booked = client.post(
        "/v1/pickups", json={"quote_id": quote["quote_id"], "slot_id": chosen["slot_id"]}, headers=PLATFORM
    )
    assert booked.status_code == 201, booked.text
    pickup_public = booked.json()
    assert pickup_public["amount_cents"] == chosen["amount_cents"]
    assert sum(share["amount_cents"] for share in pickup_public["payers"]) == chosen["amount_cents"]
    assert (
        client.get(f"/v1/pickups/{pickup_public['id']}", headers=PLATFORM).json()["payers"] == pickup_public["payers"]
    )
    twice = client.post(
        "/v1/pickups", json={"quote_id": quote["quote_id"], "slot_id": offered[0]["slot_id"]}, headers=PLATFORM
    )
    _is_problem(twice, 409, "quote_already_booked")


def test_a_quote_books_only_a_slot_it_offered(client: TestClient) -> None:
    quote = _quote(client)
    unoffered = slot(11, tomorrow() + timedelta(days=3))  # the quote offered two days
    answer = client.post("/v1/pickups", json={"quote_id": quote["quote_id"], "slot_id": unoffered}, headers=PLATFORM)
    problem = _is_problem(answer, 422, "validation_error")
    assert problem["errors"][0]["loc"] == ["body", "slot_id"]


def test_a_merchants_key_quoted_for_any_merchant_now_only_its_own(client: TestClient) -> None:
    _is_problem(client.post("/v1/quotes", json=return_fields(merchant_id="m-1"), headers=MERCHANT), 403, "forbidden")
    assert client.post("/v1/quotes", json=return_fields(merchant_id="m-7"), headers=MERCHANT).status_code == 200
    _is_problem(_book(client, headers=MERCHANT, merchant_id="m-1"), 403, "forbidden")
    assert _book(client, headers=MERCHANT, merchant_id="m-7").status_code == 201


# --- fail closed, errors as data ---------------------------------------------------------------


def test_metrics_were_public_now_they_need_an_operator_key(client: TestClient) -> None:
    _is_problem(client.get("/metrics"), 401, "unauthorized")
    _is_problem(client.get("/metrics", headers=PLATFORM), 403, "forbidden")
    assert "backhaul_requests" in client.get("/metrics", headers=OPERATOR).text


def test_errors_were_free_text_now_problem_json_with_stable_codes(client: TestClient) -> None:
    _is_problem(client.get("/v1/pickups/pk_nope", headers=PLATFORM), 404, "not_found")
    _is_problem(client.get("/v1/pickups/pk_nope"), 401, "unauthorized")
    not_allowed = _is_problem(client.post("/v1/pickups/pk_nope", headers=PLATFORM), 405, "method_not_allowed")
    assert not_allowed["instance"] == "/v1/pickups/pk_nope"
    allow = client.post("/v1/pickups/pk_nope", headers=PLATFORM).headers["Allow"]
    assert {m.strip() for m in allow.split(",")} >= {"GET", "PATCH", "DELETE"}
    huge = "x" * 300_000
    _is_problem(
        client.post("/v1/quotes", content=huge, headers=PLATFORM | {"content-type": "application/json"}),
        413,
        "payload_too_large",
    )
    for _ in range(2):  # two couriers of five parcels in the test region
        assert _book(client, parcels=[{"weight_g": 800, "volume_cm3": 4000, "count": 5}]).status_code == 201
    _is_problem(_book(client, parcels=[{"weight_g": 800, "volume_cm3": 4000, "count": 5}]), 409, "slot_full")
    quote = _quote(client)
    _clock(client, datetime.now(UTC) + timedelta(hours=1))
    expired = client.post("/v1/pickups", json={"quote_id": quote["quote_id"], "slot_id": slot(13)}, headers=PLATFORM)
    _is_problem(expired, 409, "quote_expired")


def test_a_failed_job_showed_exception_text_now_a_code(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    service = _service(client)
    service.plan_jobs.run_job = lambda _job_id: None
    job, _ = service.plan_jobs.create("ops", PlanCreate(date=tomorrow()), datetime.now(UTC))

    def explode(_service: Service, _job_id: str) -> None:
        raise RuntimeError("secret internals at /srv/backhaul")

    monkeypatch.setattr(jobs, "run_job", explode)
    jobs.run_plan_job(service.settings.model_dump_json(), job.id)
    shown = client.get(f"/v1/plans/{job.id}", headers=OPERATOR)
    assert shown.json()["status"] == "failed"
    assert shown.json()["code"] == "job_failed"
    assert "secret" not in shown.text


def test_the_openapi_declares_problems_security_and_vocabularies(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["ApiKey"] == {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    assert set(schema["components"]["schemas"]["Problem"]["properties"]["code"]["enum"]) == set(CODES)
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            if path.startswith("/v1/"):
                assert operation["security"] == [{"ApiKey": []}]
                assert {"401", "422", "429", "500", "503"} <= set(operation["responses"]), path
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert list(response["content"]) == ["application/problem+json"], (path, status)
    fields = schema["components"]["schemas"]["QuoteCreate"]["properties"]
    assert "size_or_fit" in fields["reason"]["enum"]
    assert "apparel" in fields["category"]["enum"]


def test_postgresql_had_no_lock_or_statement_timeout(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL settings")
    store = Store.of(settings(database_url, db_lock_timeout_ms=1500, db_statement_timeout_ms=20000))
    with store.read() as session:
        assert session.execute(text("SHOW lock_timeout")).scalar() == "1500ms"
        assert session.execute(text("SHOW statement_timeout")).scalar() == "20s"
    store.dispose()


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+01:00", 1764000000, "2026-11-28T10:00:00"])
def test_a_time_that_is_not_an_iso_moment_utc_can_hold_is_a_422_naming_it(client: TestClient, at: object) -> None:
    """Before year 1 in UTC was a 500; a number was read as a Unix time; a time needs its offset."""
    event = {"event_id": "e-1", "type": "picked_up", "at": at}
    response = client.post("/v1/returns/rt_none/events", json=event, headers=OPERATOR)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["body", "at"]
