"""A real server (`backhaul serve`, two worker processes): no oversell under concurrent bookings,
idempotent retries across workers, and bookings that survive a kill -9 and a restart."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx

from api.services import Service
from api.store import Store
from tests.api.api_client import KEYS, PLATFORM, REGION, return_fields, settings as service_settings, slot, tomorrow
from tests.api.invariant import violations

ATTEMPTS = 200
CAPACITY = 10  # 2 depots x 1 courier x 5 parcels


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve(database_url: str, folder: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`backhaul serve --workers 2` on a free port, until the block ends (then the whole group is killed)."""
    port = _free_port()
    environment = os.environ | {
        "DATABASE_URL": database_url,
        "BACKHAUL_REGION": REGION,
        "BACKHAUL_COURIERS_PER_DEPOT": "1",
        "BACKHAUL_VEHICLE_PARCELS": "5",
        "BACKHAUL_API_KEYS": KEYS,
        "BACKHAUL_CACHE_DIR": str(folder / "cache"),
    }
    log = (folder / f"server-{port}.log").open("wb")
    command = [sys.executable, "-m", "backhaul", "serve", "--port", str(port), "--workers", "2"]
    process = subprocess.Popen(command, env=environment, stdout=log, stderr=log, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        ready = 0
        while ready < 4:  # several answers: both workers are up
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError((folder / f"server-{port}.log").read_text())
            try:
                ready += httpx.get(f"{url}/readyz", timeout=2).status_code == 200
            except httpx.HTTPError:
                time.sleep(0.2)
        yield url, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        log.close()


def _attempt(url: str, i: int) -> tuple[int, str]:
    origin = {"lat": 31.2304 + (i % 20) * 0.0002, "lon": 121.4737}
    body = {"slot_id": slot(11), **return_fields(origin=origin)}
    headers = PLATFORM | {"Idempotency-Key": f"attempt-{i}"}
    response = httpx.post(f"{url}/v1/pickups", json=body, headers=headers, timeout=60)
    return response.status_code, response.json().get("id", "") if response.status_code == 201 else ""


def test_concurrent_bookings_never_oversell_and_survive_a_crash(database_url: str, tmp_path: Path) -> None:
    with serve(database_url, tmp_path) as (url, process), ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(lambda i: _attempt(url, i), range(ATTEMPTS)))
        codes = [code for code, _ in results]
        assert codes.count(201) == CAPACITY, codes
        assert set(codes) == {201, 409}
        confirmed = {booking for code, booking in results if code == 201}
        assert len(confirmed) == CAPACITY
        # a confirmed request retried ten times at once, on both workers: still its one booking
        first = next(i for i, (code, _) in enumerate(results) if code == 201)
        retries = list(pool.map(lambda _: _attempt(url, first), range(10)))
        assert {booking for _, booking in retries} == {results[first][1]}
        os.killpg(process.pid, signal.SIGKILL)  # a crash: no shutdown, no flush
        process.wait()
    with serve(database_url, tmp_path) as (url, _):
        for booking in confirmed:
            shown = httpx.get(f"{url}/v1/pickups/{booking}", headers=PLATFORM, timeout=10)
            assert shown.status_code == 200
            assert shown.json()["status"] == "booked"
            assert shown.json()["courier_id"] is not None
        after = httpx.post(
            f"{url}/v1/pickups", json={"slot_id": slot(11), **return_fields()}, headers=PLATFORM, timeout=30
        )
        assert after.status_code == 409, "the restarted server still knows the fleet is full"


PAIRS = 500
AT_ONCE = 10


def _conflicting_pair(url: str, pickup: str, k: int) -> list[int]:
    """Two changes of one pickup sent at the same moment: PATCH and PATCH, or (every fourth) PATCH and DELETE."""
    days = (tomorrow(), tomorrow() + timedelta(days=1))
    first = {"slot_id": slot(9 + 2 * (k % 6), days[k % 2])}
    second = {"slot_id": slot(9 + 2 * ((k + 3) % 6), days[(k + 1) % 2])}
    with httpx.Client(base_url=url, headers=PLATFORM, timeout=60) as client:
        requests = [client.build_request("PATCH", f"/v1/pickups/{pickup}", json=first)]
        if k % 4 == 3:
            requests.append(client.build_request("DELETE", f"/v1/pickups/{pickup}"))
        else:
            requests.append(client.build_request("PATCH", f"/v1/pickups/{pickup}", json=second))
        with ThreadPoolExecutor(2) as pair:
            return [response.status_code for response in pair.map(client.send, requests)]


def test_conflicting_changes_on_two_workers_never_break_the_booking_invariant(
    database_url: str, tmp_path: Path
) -> None:
    codes: list[int] = []
    attempts = 0
    with serve(database_url, tmp_path) as (url, _), ThreadPoolExecutor(AT_ONCE) as pool:
        pickups: list[str] = []
        for round_ in range(PAIRS // AT_ONCE):
            while len(pickups) < AT_ONCE:
                attempts += 1
                assert attempts < 20 * PAIRS, "the fleet kept refusing new bookings"
                origin = {"lat": 31.2300 + attempts % 40 * 0.0002, "lon": 121.4737}
                day = tomorrow() + timedelta(days=attempts % 2)
                body = {"slot_id": slot(9 + 2 * (attempts % 6), day), **return_fields(origin=origin)}
                booked = httpx.post(f"{url}/v1/pickups", json=body, headers=PLATFORM, timeout=60)
                if booked.status_code == 201:
                    pickups.append(booked.json()["id"])
            work = [(pickup, round_ * AT_ONCE + i) for i, pickup in enumerate(pickups)]
            for pair in pool.map(lambda job: _conflicting_pair(url, *job), work):
                codes += pair
            shown = [httpx.get(f"{url}/v1/pickups/{p}", headers=PLATFORM, timeout=30).json() for p in pickups]
            pickups = [s["id"] for s in shown if s["status"] == "booked"]
    assert len(codes) == 2 * PAIRS
    assert set(codes) <= {200, 409}, f"only answers or refusals, never a server error: {set(codes)}"
    store = Store(database_url)
    service = Service(service_settings(database_url, couriers_per_depot=1), store)
    assert violations(service) == []
    store.dispose()
