"""Webhooks: every step of a return reaches its tenant's endpoint at least once, signed, never twice by id.

A real HTTP receiver on the loopback interface; it fails its first calls, as endpoints do.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from api.errors import ConflictError
from api.schemas import EventCreate, LatLon, ParcelIn, PickupCreate
from api.services import Service
from api.store import Store
from api.tables import WebhookOutboxRow
from tests.api.api_client import settings, slot

SECRET = "whsec-" + "k" * 40


class Receiver:
    """An endpoint that answers 500 to its first `failures` calls, then 200, and keeps what it accepted."""

    def __init__(self, failures: int) -> None:
        self.failures, self.calls = failures, 0
        self.accepted: list[dict[str, Any]] = []
        self.bad_signatures = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                with receiver._lock:
                    receiver.calls += 1
                    fail = receiver.calls <= receiver.failures
                    if not fail:
                        if not _verified(self.headers["Backhaul-Signature"], body):
                            receiver.bad_signatures += 1
                        receiver.accepted.append(json.loads(body) | {"header_id": self.headers["Backhaul-Event-Id"]})
                self.send_response(500 if fail else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _verified(header: str, body: bytes) -> bool:
    """What a receiver does: recompute the HMAC over `<t>.<body>` and compare in constant time."""
    parts = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(SECRET.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    endpoint = Receiver(failures=2)
    yield endpoint
    endpoint.close()


def _service(database_url: str, url: str, **overrides: Any) -> Service:
    store = Store(database_url)
    store.migrate()
    hooks = json.dumps({"platform": {"url": url, "secret": SECRET}})
    return Service(settings(database_url, webhooks=hooks, webhook_every_s=0, **overrides), store)


def _book(service: Service, hour: int, lat: float) -> tuple[str, str]:
    body = PickupCreate(
        slot_id=slot(hour),
        origin=LatLon(lat=lat, lon=121.4737),
        parcels=[ParcelIn(weight_g=900, volume_cm3=4000)],
        category="apparel",
        reason="size_or_fit",
        merchant_id="m-1",
    )
    booked = service.bookings.book("platform", body, None, datetime.now(UTC))[0].body
    return str(booked["id"]), str(booked["return_id"])


def _post(service: Service, return_id: str, kind: str, **detail: str) -> None:
    now = datetime.now(UTC)
    event = EventCreate(event_id=f"{kind}-{return_id}", type=kind, at=now, **detail)
    service.events.post("ops", return_id, event, now)


def _outbox(service: Service) -> list[WebhookOutboxRow]:
    with service.store.read() as session:
        return list(session.execute(select(WebhookOutboxRow).order_by(WebhookOutboxRow.seq)).scalars())


def _deliver_until_done(service: Service, rounds: int = 20) -> int:
    """Deliver as a worker would, the clock moving past each backoff; how many rounds it took."""
    now = datetime.now(UTC)
    for k in range(rounds):
        service.webhooks.deliver_due(now)
        if all(row.delivered_at or row.failed_at for row in _outbox(service)):
            return k + 1
        now += timedelta(minutes=2)
    return rounds


def test_every_step_arrives_once_signed_though_the_endpoint_fails_at_first(
    database_url: str, receiver: Receiver
) -> None:
    service = _service(database_url, receiver.url)
    (_, picked), (_, failed), (cancelled, _) = (_book(service, 11, 31.2290 + k * 0.0005) for k in range(3))
    _post(service, picked, "picked_up")
    _post(service, failed, "pickup_failed", reason="not_home")
    service.bookings.cancel("platform", cancelled, datetime.now(UTC))
    with pytest.raises(ConflictError):
        _post(service, picked, "refunded")  # refused: no event, so no notification either
    queued = _outbox(service)
    assert len(queued) == 6  # three bookings, a pickup, a failure, a cancellation

    _deliver_until_done(service)
    ids = [hook["id"] for hook in receiver.accepted]
    assert sorted(ids) == sorted(row.event_id for row in queued)  # none lost ...
    assert len(ids) == len(set(ids))  # ... none twice
    assert receiver.calls == len(queued) + 2  # the two failures were retried
    assert receiver.bad_signatures == 0
    assert all(hook["header_id"] == hook["id"] for hook in receiver.accepted)
    kinds = sorted(hook["type"] for hook in receiver.accepted)
    assert kinds == sorted(
        ["return.pickup_booked"] * 3 + ["return.picked_up", "return.pickup_failed", "return.cancelled"]
    )
    failure = next(hook for hook in receiver.accepted if hook["type"] == "return.pickup_failed")
    assert failure["data"]["rebook_options"]
    assert failure["data"]["event"]["reason"] == "not_home"
    assert failure["data"]["status"] == "pickup_failed"
    retried = [row for row in _outbox(service) if row.attempts > 1]
    assert len(retried) >= 1
    assert all(row.delivered_at is not None for row in _outbox(service))


def test_an_endpoint_that_never_takes_it_is_given_up_after_the_last_attempt(database_url: str) -> None:
    endpoint = Receiver(failures=10**6)
    try:
        service = _service(database_url, endpoint.url, webhook_max_attempts=3)
        _book(service, 11, 31.2290)
        _deliver_until_done(service)
        (row,) = _outbox(service)
        assert row.attempts == 3
        assert row.failed_at is not None
        assert row.delivered_at is None
        assert row.last_error == "HTTP 500"
        calls = endpoint.calls
        service.webhooks.deliver_due(datetime.now(UTC) + timedelta(days=1))
        assert endpoint.calls == calls  # a given-up notification is never sent again
    finally:
        endpoint.close()


def test_two_workers_delivering_at_once_never_send_one_notification_twice(database_url: str) -> None:
    endpoint = Receiver(failures=0)
    try:
        service = _service(database_url, endpoint.url, couriers_per_depot=3, vehicle_parcels=40)
        for k in range(12):
            _book(service, 9 + 2 * (k % 5), 31.2290 + k * 0.0003)
        other = _service(database_url, endpoint.url, couriers_per_depot=3, vehicle_parcels=40)
        now = datetime.now(UTC)
        start = threading.Barrier(2)

        def worker(which: Service) -> None:
            start.wait()
            which.webhooks.deliver_due(now)

        threads = [threading.Thread(target=worker, args=(s,)) for s in (service, other)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        ids = [hook["id"] for hook in endpoint.accepted]
        assert len(ids) == 12
        assert len(set(ids)) == 12
    finally:
        endpoint.close()


def test_a_bad_webhook_setting_is_refused_naming_the_tenant() -> None:
    with pytest.raises(ValueError, match="platform: secret must be at least 32 characters"):
        settings("sqlite://", webhooks=json.dumps({"platform": {"url": "https://x.example/h", "secret": "short"}}))
    with pytest.raises(ValueError, match="url must be http"):
        settings("sqlite://", webhooks=json.dumps({"platform": {"url": "ftp://x", "secret": SECRET}}))
