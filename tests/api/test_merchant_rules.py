"""Merchant return rules through the API: saving versions, who may, and what a quote rules on each item."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.errors import ConflictError
from api.main import create_app
from api.tables import BookingRow, MerchantRulesRow
from tests.api.api_client import MERCHANT, OPERATOR, PLATFORM, return_fields, settings, tomorrow

GENEROUS = '[window]\ndefault_days = 30\n\n[payer]\nsize_or_fit = "merchant"\n\n[keep_it]\nmax_value_cents = 5000\n'


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(settings(database_url))) as test_client:
        yield test_client


def _put(client: TestClient, merchant: str, text: str | bytes, headers: dict[str, str] = OPERATOR) -> Any:
    return client.put(
        f"/v1/merchants/{merchant}/rules", content=text, headers=headers | {"Content-Type": "application/toml"}
    )


def _quote(client: TestClient, items: list[dict[str, Any]], days_ago: float = 2, **fields: Any) -> Any:
    delivered = (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()
    body = return_fields(**fields) | {"date_from": tomorrow().isoformat()}
    body["order"] = {"delivered_at": delivered, "items": items}
    return client.post("/v1/quotes", json=body, headers=PLATFORM)


def test_rules_are_saved_as_versions_and_the_newest_is_read_back(client: TestClient) -> None:
    assert client.get("/v1/merchants/m-7/rules", headers=MERCHANT).json()["version"] == 0
    first = _put(client, "m-7", GENEROUS, MERCHANT)
    assert first.status_code == 200, first.text
    second = _put(client, "m-7", "[window]\ndefault_days = 10\n", MERCHANT)
    assert (first.json()["version"], second.json()["version"]) == (1, 2)
    newest = client.get("/v1/merchants/m-7/rules", headers=MERCHANT).json()
    assert (newest["version"], newest["text"], newest["saved_by"]) == (2, "[window]\ndefault_days = 10\n", "merchant7")


def test_only_an_operator_or_the_merchant_itself_manages_its_rules(client: TestClient) -> None:
    assert _put(client, "m-1", GENEROUS, PLATFORM).status_code == 403
    assert _put(client, "m-1", GENEROUS, MERCHANT).status_code == 403  # merchant7's key is m-7's
    assert client.get("/v1/merchants/m-1/rules", headers=MERCHANT).status_code == 403
    assert _put(client, "m-1", GENEROUS, OPERATOR).status_code == 200


@pytest.mark.parametrize(
    ("text", "field", "says"),
    [
        ("[window]\ndefault_days = 3\n", "window.default_days", "line 2: 3 is below the statutory 7-day"),
        ("[keep_it]\nmax_value = 5\n", "keep_it.max_value", "unknown key"),
        ("[window\n", "rules", "not valid TOML"),
        (b"\xff\xfe", "rules", "UTF-8"),
        ("", "rules", "the body is the rule file"),
    ],
)
def test_a_bad_rule_file_is_a_422_naming_the_key_and_nothing_is_saved(
    client: TestClient, text: str | bytes, field: str, says: str
) -> None:
    response = _put(client, "m-1", text)
    assert response.status_code == 422, response.text
    (problem,) = response.json()["errors"]
    assert problem["loc"] == ["body", *field.split(".")]
    assert says in problem["msg"]
    assert client.get("/v1/merchants/m-1/rules", headers=OPERATOR).json()["version"] == 0


def test_racing_saves_each_get_their_own_version_or_a_409_and_none_is_lost(client: TestClient) -> None:
    service = client.app.state.service  # type: ignore[attr-defined]
    start, outcomes = threading.Barrier(6), []

    def save(k: int) -> None:
        start.wait()
        try:
            outcomes.append(service.rules.save("ops", "m-1", f"[window]\ndefault_days = {10 + k}\n", datetime.now(UTC)))
        except ConflictError as refused:
            outcomes.append(refused.code)

    threads = [threading.Thread(target=save, args=(k,)) for k in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    saved = [o for o in outcomes if isinstance(o, dict)]
    assert len(outcomes) == 6
    assert all(o == "rules_changed" for o in outcomes if not isinstance(o, dict))
    with service.store.read() as session:
        rows = session.scalars(select(MerchantRulesRow).where(MerchantRulesRow.merchant_id == "m-1")).all()
        stored = {row.version: row.text for row in rows}
    assert sorted(stored) == list(range(1, len(saved) + 1))
    assert {o["version"]: o["text"] for o in saved} == stored


def test_a_quote_rules_on_each_item_with_the_rule_that_decided_and_the_evidence(client: TestClient) -> None:
    items = [
        {"category": "apparel", "value_cents": 29_900},
        {"category": "apparel", "value_cents": 19_900, "flags": ["customised"]},
    ]
    response = _quote(client, items, days_ago=2, reason="changed_mind")
    assert response.status_code == 200, response.text
    quote = response.json()
    statutory, customised = quote["items"]
    assert statutory["eligible"]
    assert statutory["decided_by"]["rule_id"] == "statutory.no_reason_7d"
    assert statutory["decided_by"]["statutory"]
    assert statutory["evidence_required"] == ["photo_with_tags"]
    assert not customised["eligible"]
    assert customised["decided_by"]["rule_id"] == "statutory.exclusion.customised"
    assert customised["keep_it"] is None
    assert customised["evidence_required"] == []
    assert quote["options"]
    assert quote["rules_version"] == 0


def test_when_nothing_may_come_back_no_way_back_is_offered_and_none_can_be_booked(client: TestClient) -> None:
    quote = _quote(client, [{"category": "home", "value_cents": 9_900}], days_ago=9, reason="changed_mind").json()
    assert quote["options"] == []
    assert quote["items"][0]["decided_by"]["rule_id"] == "merchant.window"
    slot_id = f"{tomorrow().isoformat()}T11:00-13:00"
    booked = client.post("/v1/pickups", json={"quote_id": quote["quote_id"], "slot_id": slot_id}, headers=PLATFORM)
    assert booked.status_code == 422
    assert booked.json()["errors"][0]["loc"] == ["body", "slot_id"]
    # the merchant's longer window makes the same item returnable
    _put(client, "m-1", GENEROUS)
    again = _quote(client, [{"category": "home", "value_cents": 9_900}], days_ago=9, reason="changed_mind").json()
    assert again["items"][0]["eligible"]
    assert again["items"][0]["decided_by"]["rule_id"] == "merchant.window"
    assert again["rules_version"] == 1
    assert again["options"]


def test_keep_it_is_offered_exactly_when_the_way_back_costs_more_than_the_item_recovers(client: TestClient) -> None:
    _put(client, "m-1", GENEROUS)
    items = [{"category": "apparel", "value_cents": v} for v in (500, 2_000, 4_500)]
    for item in items:
        answer = _quote(client, [item], reason="changed_mind").json()["items"][0]["keep_it"]
        keeps = answer["return_cost_cents"] + answer["processing_cents"] > answer["expected_recovery_cents"]
        assert answer["offered"] == keeps
    cheap = _quote(client, [items[0]], reason="changed_mind").json()["items"][0]["keep_it"]
    assert cheap["offered"]
    assert cheap["refund_cents"] == 500
    pricey = _quote(client, [{"category": "apparel", "value_cents": 5_001}], reason="changed_mind").json()
    assert not pricey["items"][0]["keep_it"]["offered"]  # over the merchant's threshold


def test_a_booking_pays_as_its_quote_said_even_after_the_rules_change(client: TestClient) -> None:
    _put(client, "m-1", GENEROUS)  # version 1: the merchant pays for size_or_fit returns
    quote = _quote(client, [{"category": "apparel", "value_cents": 9_000}], reason="size_or_fit").json()
    assert quote["options"][0]["payer"] == "merchant"
    _put(client, "m-1", "[window]\ndefault_days = 30\n")  # version 2: the shopper pays again
    slot_id = quote["options"][0]["slots"][1]["slot_id"]
    booked = client.post("/v1/pickups", json={"quote_id": quote["quote_id"], "slot_id": slot_id}, headers=PLATFORM)
    assert booked.status_code == 201, booked.text
    assert [p["payer"] for p in booked.json()["payers"]] == ["merchant"]
    later = _quote(client, [{"category": "apparel", "value_cents": 9_000}], reason="size_or_fit").json()
    assert later["options"][0]["payer"] == "customer"
    assert later["rules_version"] == 2


@pytest.mark.parametrize(
    ("order", "loc"),
    [
        (
            {"delivered_at": "2099-01-01T00:00:00+00:00", "items": [{"category": "home", "value_cents": 1}]},
            ["body", "order", "delivered_at"],
        ),
        (
            {"delivered_at": "2026-01-01T00:00:00", "items": [{"category": "home", "value_cents": 1}]},
            ["body", "order", "delivered_at"],
        ),
        (
            {"delivered_at": "2026-01-01T00:00:00Z", "items": [{"category": "home", "value_cents": 1, "flags": ["x"]}]},
            ["body", "order", "items", 0, "flags", 0],
        ),
        ({"delivered_at": "2026-01-01T00:00:00Z", "items": []}, ["body", "order", "items"]),
    ],
)
def test_a_bad_order_is_a_422_naming_the_field(client: TestClient, order: dict[str, Any], loc: list[Any]) -> None:
    body = return_fields() | {"date_from": tomorrow().isoformat(), "order": order}
    response = client.post("/v1/quotes", json=body, headers=PLATFORM)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == loc


def test_the_stored_booking_of_a_quote_without_an_order_keeps_the_policy_split(client: TestClient) -> None:
    body = return_fields(reason="changed_mind", insured=True) | {"date_from": tomorrow().isoformat()}
    quote = client.post("/v1/quotes", json=body, headers=PLATFORM).json()
    assert quote["items"] is None
    assert quote["rules_version"] == 0
    slot_id = quote["options"][0]["slots"][1]["slot_id"]
    booked = client.post("/v1/pickups", json={"quote_id": quote["quote_id"], "slot_id": slot_id}, headers=PLATFORM)
    service = client.app.state.service  # type: ignore[attr-defined]
    with service.store.read() as session:
        row = session.get(BookingRow, booked.json()["id"])
        assert row is not None
        assert {p["payer"] for p in row.payers} <= {"insurer", "customer"}
