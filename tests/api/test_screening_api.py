"""Abuse screening through the API: delivered orders in, a screened quote out, and a flag never refuses."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.main import create_app
from api.schemas import ShopperIn
from api.tables import ShopperReturnRow
from tests.api.api_client import MERCHANT, OPERATOR, PLATFORM, return_fields, settings, tomorrow

KEEP_CHEAP = "[keep_it]\nmax_value_cents = 5000\n"


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(settings(database_url))) as test_client:
        yield test_client


def _orders(account: str, address: str, days_ago: list[float], prefix: str = "o") -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "orders": [
            {
                "order_id": f"{prefix}-{account}-{k}",
                "account_id": account,
                "address_id": address,
                "delivered_at": (now - timedelta(days=d)).isoformat(),
                "items": [{"category": "home", "value_cents": 3_000}],
            }
            for k, d in enumerate(days_ago)
        ]
    }


def _returned_before(
    client: TestClient, account: str, address: str, days_ago: list[float], reason: str = "changed_mind"
) -> None:
    """Returns this shopper sent earlier (as the service recorded them when they were registered)."""
    service = client.app.state.service  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    with service.store.write() as session:
        for k, d in enumerate(days_ago):
            session.add(
                ShopperReturnRow(
                    return_id=f"rt_past_{account}_{k}",
                    line=0,
                    tenant="platform",
                    account_id=account,
                    address_id=address,
                    category="home",
                    value_cents=3_000,
                    reason=reason,
                    delivered_at=now - timedelta(days=d + 2),
                    requested_at=now - timedelta(days=d),
                    screening_action="allow",
                )
            )


def _quote(client: TestClient, account: str, address: str, value: int = 500) -> Any:
    body = return_fields(reason="changed_mind") | {
        "date_from": tomorrow().isoformat(),
        "shopper": {"account_id": account, "address_id": address},
        "order": {
            "delivered_at": (datetime.now(UTC) - timedelta(days=2)).isoformat(),
            "items": [{"category": "apparel", "value_cents": value}],
        },
    }
    response = client.post("/v1/quotes", json=body, headers=PLATFORM)
    assert response.status_code == 200, response.text
    return response.json()


def test_reported_orders_are_stored_once_per_line(client: TestClient) -> None:
    report = _orders("acc-1", "addr-1", [30, 20, 10])
    first = client.post("/v1/orders", json=report, headers=PLATFORM)
    assert first.json() == {"stored": 3, "already_known": 0}
    again = client.post("/v1/orders", json=report, headers=PLATFORM)
    assert again.json() == {"stored": 0, "already_known": 3}
    # another tenant's order ids are its own
    assert client.post("/v1/orders", json=report, headers=MERCHANT).json()["stored"] == 3


def test_racing_reports_of_the_same_orders_store_each_line_once(client: TestClient) -> None:
    service = client.app.state.service  # type: ignore[attr-defined]
    from api.schemas import OrdersReport

    report = OrdersReport.model_validate(_orders("acc-r", "addr-r", [float(d) for d in range(1, 41)]))
    start, stored = threading.Barrier(4), []

    def send() -> None:
        start.wait()
        stored.append(service.shoppers.report_orders("platform", report).stored)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(stored) == 40


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"delivered_at": "2026-01-01T00:00:00"}, ["body", "orders", 0, "delivered_at"]),
        ({"delivered_at": 1764000000}, ["body", "orders", 0, "delivered_at"]),
        ({"delivered_at": "0001-01-01T00:00:00+01:00"}, ["body", "orders", 0, "delivered_at"]),
        ({"items": [{"category": "home", "value_cents": False}]}, ["body", "orders", 0, "items", 0, "value_cents"]),
        ({"items": []}, ["body", "orders", 0, "items"]),
        ({"account_id": "a b"}, ["body", "orders", 0, "account_id"]),
    ],
)
def test_a_bad_order_report_is_a_422_naming_the_field(
    client: TestClient, change: dict[str, Any], loc: list[Any]
) -> None:
    report = _orders("acc-1", "addr-1", [3])
    report["orders"][0].update(change)
    response = client.post("/v1/orders", json=report, headers=PLATFORM)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == loc


def test_an_honest_shopper_is_allowed_and_may_keep_a_cheap_item(client: TestClient) -> None:
    client.put("/v1/merchants/m-1/rules", content=KEEP_CHEAP, headers=OPERATOR)
    client.post("/v1/orders", json=_orders("honest", "home-1", [100, 70, 40, 20, 5]), headers=PLATFORM)
    _returned_before(client, "honest", "home-1", [60])
    quote = _quote(client, "honest", "home-1")
    assert quote["screening"]["action"] == "allow"
    assert quote["screening"]["signals"] == []
    assert quote["items"][0]["keep_it"]["offered"]


def test_a_serial_returner_is_flagged_keeps_the_right_to_return_and_loses_keep_it(client: TestClient) -> None:
    client.put("/v1/merchants/m-1/rules", content=KEEP_CHEAP, headers=OPERATOR)
    days = [float(d) for d in range(4, 160, 6)]
    client.post("/v1/orders", json=_orders("serial", "flat-9", days), headers=PLATFORM)
    _returned_before(client, "serial", "flat-9", [d - 2 for d in days])
    quote = _quote(client, "serial", "flat-9")
    screening = quote["screening"]
    assert screening["action"] != "allow"
    assert screening["signals"][0]["name"] == "return_rate"
    assert 0.5 <= screening["score"] <= 1
    # the flag adds inspection: the statutory return stands and a way back is offered
    assert quote["items"][0]["eligible"]
    assert quote["items"][0]["decided_by"]["rule_id"] == "statutory.no_reason_7d"
    assert quote["options"]
    assert not quote["items"][0]["keep_it"]["offered"]


def test_a_registered_return_joins_the_history_with_its_action_and_later_its_grade(client: TestClient) -> None:
    quote = _quote(client, "acc-7", "addr-7", value=12_000)
    point = next(o["point_id"] for o in quote["options"] if o["method"] == "drop_off")
    registered = client.post("/v1/dropoffs", json={"quote_id": quote["quote_id"], "point_id": point}, headers=PLATFORM)
    assert registered.status_code == 201, registered.text
    return_id = registered.json()["return_id"]
    service = client.app.state.service  # type: ignore[attr-defined]
    with service.store.read() as session:
        (row,) = session.scalars(select(ShopperReturnRow).where(ShopperReturnRow.return_id == return_id)).all()
    assert (row.account_id, row.address_id, row.value_cents, row.screening_action) == (
        "acc-7",
        "addr-7",
        12_000,
        "allow",
    )
    now = datetime.now(UTC)
    for kind, extra in (
        ("dropped_off", {}),
        ("received", {}),
        ("inspected", {"grade": "C", "disposition": "liquidate"}),
    ):
        body = {"event_id": f"{kind}-1", "type": kind, "at": now.isoformat(), **extra}
        assert client.post(f"/v1/returns/{return_id}/events", json=body, headers=OPERATOR).status_code == 201
    later = now + timedelta(minutes=1)
    with service.store.read() as session:
        history = service.shoppers.history(
            session, "platform", ShopperIn(account_id="acc-7", address_id="addr-7"), later
        )
    (past,) = history.returns_of["acc-7"]
    assert past.grade_known(later) == "C"


@pytest.mark.parametrize(
    ("shopper", "loc"),
    [
        ({"account_id": "acc 1", "address_id": "a"}, ["body", "shopper", "account_id"]),
        ({"account_id": "acc-1"}, ["body", "shopper", "address_id"]),
        ({"account_id": "acc-1", "address_id": "a", "score": 0}, ["body", "shopper", "score"]),
    ],
)
def test_a_bad_shopper_in_a_quote_is_a_422_naming_the_field(
    client: TestClient, shopper: dict[str, Any], loc: list[Any]
) -> None:
    body = return_fields() | {"date_from": tomorrow().isoformat(), "shopper": shopper}
    response = client.post("/v1/quotes", json=body, headers=PLATFORM)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == loc


def test_quality_claims_are_held_to_the_platforms_norm_not_the_shoppers_own(client: TestClient) -> None:
    for k in range(30):  # other shoppers: home goods come back without a quality claim
        _returned_before(client, f"other-{k}", f"home-{k}", [20.0, 50.0])
    days = [float(d) for d in range(5, 160, 12)]
    client.post("/v1/orders", json=_orders("claimer", "flat-3", days), headers=PLATFORM)
    _returned_before(client, "claimer", "flat-3", days[::2], reason="defective")
    screening = _quote(client, "claimer", "flat-3")["screening"]
    assert screening["signals"][0]["name"] == "quality_claims"
    assert screening["action"] != "allow"
