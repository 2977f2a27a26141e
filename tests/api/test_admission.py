"""Quotes and slot lists run on the worker's CPU gate: off the event loop, and refused with 429 past its limit."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.cpu_gate import CpuGate
from api.errors import RateLimitedError
from api.main import create_app
from api.schemas import QuotePublic, SlotsPublic
from api.services.quotes import Quotes
from tests.api.api_client import PLATFORM, return_fields, settings, tomorrow

QUOTE = return_fields() | {"date_from": tomorrow().isoformat()}


def test_past_the_limit_a_quote_is_refused_at_once_while_the_loop_stays_free(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    computing, release = threading.Event(), threading.Event()
    original = Quotes.quote

    def held(self: Quotes, *args: Any) -> Any:
        computing.set()
        assert release.wait(30)
        return original(self, *args)

    monkeypatch.setattr(Quotes, "quote", held)
    app = create_app(settings(f"sqlite:///{tmp_path / 'gate.db'}", max_in_flight=1, pricing_threads=1))
    with TestClient(app) as client, ThreadPoolExecutor(1) as pool:
        first = pool.submit(client.post, "/v1/quotes", json=QUOTE, headers=PLATFORM)
        assert computing.wait(30)
        assert client.get("/healthz").status_code == 200  # the event loop answers while the quote computes
        refused = client.post("/v1/quotes", json=QUOTE, headers=PLATFORM)
        slots = client.get("/v1/pickup-slots", params={"lat": 31.2304, "lon": 121.4737}, headers=PLATFORM)
        unread = client.post("/v1/quotes", content=b"{not json", headers=PLATFORM)  # refused before parsing
        release.set()
        served = first.result(timeout=60)
        again = client.post("/v1/quotes", json=QUOTE, headers=PLATFORM)  # room again
        assert app.state.gate.in_flight == 0
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    assert refused.json()["code"] == "rate_limited"
    assert refused.headers["content-type"] == "application/problem+json"
    assert slots.status_code == 429  # slot lists share the gate
    assert unread.status_code == 429  # the body was never read: no 422
    assert served.status_code == 200
    assert served.json()["options"]
    assert again.status_code == 200


def test_a_quote_answered_through_the_gate_is_the_documented_json(tmp_path: Path) -> None:
    """The JSON serialised directly by pydantic is the response model FastAPI documents (nothing dropped)."""
    app = create_app(settings(f"sqlite:///{tmp_path / 'json.db'}"))
    with TestClient(app) as client:
        quote = client.post("/v1/quotes", json=QUOTE, headers=PLATFORM)
        listed = client.get("/v1/pickup-slots", params={"lat": 31.2304, "lon": 121.4737, "days": 2}, headers=PLATFORM)
    assert quote.headers["content-type"] == "application/json"
    assert QuotePublic.model_validate_json(quote.content).model_dump(mode="json") == quote.json()
    assert SlotsPublic.model_validate_json(listed.content).model_dump(mode="json") == listed.json()
    assert len(listed.json()["slots"]) > 0


def test_the_gate_itself_refuses_past_its_limit_and_counts_back_down() -> None:
    """The route's own check (the gate may fill between the middleware and the route)."""
    gate = CpuGate(threads=1, max_in_flight=2)
    release = threading.Event()

    async def scenario() -> tuple[list[int], int]:
        held = [asyncio.create_task(gate.run(release.wait, 30)) for _ in range(2)]
        while gate.in_flight < 2:
            await asyncio.sleep(0)
        with pytest.raises(RateLimitedError) as refused:
            await gate.run(int, "1")
        assert refused.value.retry_after_s == 1
        release.set()
        await asyncio.gather(*held)
        return [await gate.run(int, "7")], gate.in_flight

    done, left = asyncio.run(scenario())
    assert done == [7]
    assert left == 0
