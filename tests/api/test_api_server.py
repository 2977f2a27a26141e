"""A real server (`backhaul serve`, two worker processes): no oversell under concurrent bookings,
idempotent retries across workers, and bookings that survive a kill -9 and a restart."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from api.services import Service
from api.store import Store
from benchmarks.center_fill import placement_cost
from benchmarks.retrying import post_retrying
from tests.api.api_client import (
    KEYS,
    OPERATOR,
    PLATFORM,
    REGION,
    free_port,
    return_fields,
    settings as service_settings,
    slot,
    tomorrow,
)
from tests.api.invariant import violations

ROOT = Path(__file__).resolve().parents[2]
ATTEMPTS = 200
SCHEMATHESIS_EXAMPLES = 40
OUTAGE_BURST = 60
CAPACITY = 10  # 2 depots x 1 courier x 5 parcels


@contextmanager
def serve(database_url: str, folder: Path, **settings: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`backhaul serve --workers 2` on a free port, until the block ends (then the whole group is killed)."""
    port = free_port()
    environment = os.environ | {
        "DATABASE_URL": database_url,
        "BACKHAUL_REGION": REGION,
        "BACKHAUL_COURIERS_PER_DEPOT": "1",
        "BACKHAUL_VEHICLE_PARCELS": "5",
        "BACKHAUL_API_KEYS": KEYS,
        "BACKHAUL_OPERATOR_TENANTS": "ops",
        "BACKHAUL_CACHE_DIR": str(folder / "cache"),
    }
    environment |= {f"BACKHAUL_{name.upper()}": value for name, value in settings.items()}
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


def test_metrics_add_up_every_worker(database_url: str, tmp_path: Path) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("one database is enough: the metrics do not depend on it")
    with serve(database_url, tmp_path) as (url, _):
        for _ in range(40):  # spread over both workers by the kernel
            assert httpx.get(f"{url}/healthz", timeout=10).status_code == 200
        text = httpx.get(f"{url}/metrics", headers=OPERATOR, timeout=10).text
    counted = sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("backhaul_requests_total{") and 'route="/healthz"' in line
    )
    assert counted == 40, text


def test_schemathesis_finds_no_failure_with_every_check_over_every_phase(database_url: str, tmp_path: Path) -> None:
    """`schemathesis run --checks all` against the real server (its settings: schemathesis.toml)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the contract does not depend on the database; the PostgreSQL paths are tested above")
    with serve(database_url, tmp_path, max_plan_time_limit_s="1", background_plan_every_s="0") as (url, _):
        command = [
            str(Path(sys.executable).with_name("schemathesis")),
            "run",
            f"{url}/openapi.json",
            "--checks",
            "all",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--max-examples",
            str(SCHEMATHESIS_EXAMPLES),
            "-H",
            f"X-API-Key: {OPERATOR['X-API-Key']}",
        ]
        run = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=ROOT, check=False)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "passed" in run.stdout


def test_a_database_restart_under_booking_load_loses_no_confirmed_booking(tmp_path: Path) -> None:
    """A private PostgreSQL server stops mid-burst and comes back: 503 problems meanwhile, then recovery."""
    if not os.environ.get("BACKHAUL_TEST_POSTGRES_URL"):
        pytest.skip("needs PostgreSQL (.ci/run starts it)")
    folder = Path(tempfile.mkdtemp(prefix="backhaul-outage-"))
    folder.chmod(0o755)  # the server runs as the postgres user when the tests run as root
    control = os.environ | {"PGPORT_CI": str(free_port()), "PGDATA_CI": str(folder / "pg")}
    postgres = [str(ROOT / ".ci" / "postgres")]
    url = subprocess.run(postgres, env=control, capture_output=True, text=True, check=True).stdout.strip()
    answers: list[tuple[int, str, str]] = []
    try:
        with serve(url, tmp_path, couriers_per_depot="4", vehicle_parcels="20") as (server, _):

            def attempt(i: int) -> tuple[int, str, str]:
                origin = {"lat": 31.2290 + (i % 30) * 0.0002, "lon": 121.4737}
                body = {"slot_id": slot(9 + 2 * (i % 6)), **return_fields(origin=origin)}
                headers = PLATFORM | {"Idempotency-Key": f"burst-{i}"}
                try:
                    response = httpx.post(f"{server}/v1/pickups", json=body, headers=headers, timeout=60)
                except httpx.HTTPError as error:
                    return 0, type(error).__name__, ""
                code = response.json().get("code", "") if response.status_code >= 400 else response.json()["id"]
                return response.status_code, response.headers.get("content-type", ""), code

            with ThreadPoolExecutor(max_workers=8) as pool:
                burst = [pool.submit(attempt, i) for i in range(OUTAGE_BURST)]
                time.sleep(1.0)
                subprocess.run([*postgres, "stop"], env=control, capture_output=True, check=True)
                during = [attempt(OUTAGE_BURST + i) for i in range(5)]
                subprocess.run([*postgres, "resume"], env=control, capture_output=True, check=True)
                answers = [future.result() for future in burst] + during
            assert all(status == 503 for status, _, _ in during), during
            assert all(kind == "application/problem+json" for _, kind, _ in during)
            assert {code for _, _, code in during} == {"service_unavailable"}
            assert {status for status, _, _ in answers} <= {201, 409, 503}, answers
            deadline = time.monotonic() + 60
            while httpx.get(f"{server}/readyz", timeout=10).status_code != 200:  # recovers by itself
                assert time.monotonic() < deadline, "the service did not recover"
                time.sleep(0.5)
            confirmed = [booking for status, _, booking in answers if status == 201]
            assert confirmed, "some bookings were confirmed before the outage"
            for booking in confirmed:
                shown = httpx.get(f"{server}/v1/pickups/{booking}", headers=PLATFORM, timeout=30)
                assert shown.status_code == 200
                assert shown.json()["status"] == "booked"
            after = attempt(10_000)
            assert after[0] == 201, after
        store = Store(url)
        assert violations(Service(service_settings(url, couriers_per_depot=4, vehicle_parcels=20), store)) == []
        store.dispose()
    finally:
        subprocess.run([*postgres, "stop"], env=control, capture_output=True, check=False)


REGISTRATIONS = 1000
CENTER_DAY_CAPACITY = 50


def test_a_thousand_concurrent_registrations_fill_a_center_day_exactly(database_url: str, tmp_path: Path) -> None:
    """Two workers, 1,000 shoppers quoting and registering drop-offs at once against C1's capacity of N a day."""
    capacity = f'{{"default": {{"C1": {CENTER_DAY_CAPACITY}}}}}'
    with serve(database_url, tmp_path, center_capacity=capacity) as (url, _), ThreadPoolExecutor(32) as pool:

        def register(i: int) -> int:
            origin = {"lat": 31.2290 + (i % 20) * 0.0002, "lon": 121.4737}
            category = ("apparel", "shoes", "home", "electronics")[i % 4]
            body = return_fields(
                origin=origin, category=category, parcels=[{"weight_g": 500 + 300 * (i % 7), "volume_cm3": 4000}]
            )
            with httpx.Client(base_url=url, headers=PLATFORM, timeout=120) as client:
                quote = post_retrying(client, "/v1/quotes", json=body).json()  # the gate may ask to come back
                point = next(o["point_id"] for o in quote["options"] if o["method"] == "drop_off")
                return client.post("/v1/dropoffs", json={"quote_id": quote["quote_id"], "point_id": point}).status_code

        codes = list(pool.map(register, range(REGISTRATIONS)))
    assert codes.count(201) == REGISTRATIONS, Counter(codes)
    store = Store(database_url)
    service = Service(service_settings(database_url, center_capacity=capacity), store)
    first_day = service.today(datetime.now(UTC)) + timedelta(days=1)
    live, optimum, placed = placement_cost(service, first_day)
    assert placed["C1", first_day] == CENTER_DAY_CAPACITY, placed
    assert all(count <= CENTER_DAY_CAPACITY for (center, _), count in placed.items() if center == "C1")
    assert live <= 1.03 * optimum, (live, optimum)
    store.dispose()


def test_every_log_line_is_json_and_a_request_carries_its_id_through(tmp_path: Path) -> None:
    """`X-Request-ID` is echoed (a usable one kept, another replaced) and names the request's log lines."""
    with serve(f"sqlite:///{tmp_path / 'logs.db'}", tmp_path) as (url, _):
        kept = httpx.get(f"{url}/v1/returns/rt_none", headers=PLATFORM | {"X-Request-ID": "trace-42"}, timeout=10)
        replaced = httpx.get(f"{url}/healthz", headers={"X-Request-ID": "bad id!"}, timeout=10)
        fresh = httpx.get(f"{url}/healthz", timeout=10)
        time.sleep(0.5)  # the access line is written as the answer ends
    assert kept.headers["x-request-id"] == "trace-42"
    assert replaced.headers["x-request-id"] != "bad id!"
    assert len(fresh.headers["x-request-id"]) == 32
    (log,) = tmp_path.glob("server-*.log")
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]  # every line is JSON
    assert all({"time", "level", "logger", "message", "request_id"} <= set(line) for line in lines)
    (mine,) = [line for line in lines if line["request_id"] == "trace-42"]
    assert (mine["logger"], mine["method"], mine["route"], mine["status"]) == (
        "backhaul.access",
        "GET",
        "/v1/returns/{return_id}",
        404,
    )
    assert any(line["logger"].startswith("uvicorn") for line in lines)
