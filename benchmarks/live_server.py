"""The server the load scripts run against, and the bookings they send it.

`start_server` runs a real `backhaul serve --workers 2` on a free port; `generated_addresses` are
Pingshan pickups from the demand generator; `book_all` books them with concurrent clients and
reports bookings per second and latency. Used by `api_load.py`, `booking_load.py`,
`journey_day.py`, `center_fill.py` and `live_quotes.py`.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import httpx
import numpy as np

from optimizer.demand import DemandSpec, generate_returns
from optimizer.geo.region import load_region

REGION = "shenzhen-pingshan"
SLOTS = [(9, 11), (11, 13), (13, 15), (15, 17), (17, 19), (19, 21)]


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(folder: Path, couriers: int, **settings: str) -> tuple[subprocess.Popen[bytes], str]:
    """`backhaul serve --workers 2 --dev` on a free port, once both workers answer `/readyz`.

    It runs in its own session; the database is a SQLite file in `folder` unless `DATABASE_URL` is given.
    """
    port = _port()
    environment = os.environ | {
        "DATABASE_URL": f"sqlite:///{folder / 'load.db'}",
        "BACKHAUL_REGION": REGION,
        "BACKHAUL_COURIERS_PER_DEPOT": str(couriers),
        "BACKHAUL_API_KEYS": "",
        **settings,
    }
    log = (folder / "server.log").open("wb")
    command = [sys.executable, "-m", "backhaul", "serve", "--port", str(port), "--workers", "2", "--dev"]
    process = subprocess.Popen(command, env=environment, stdout=log, stderr=log, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    ready = 0
    while ready < 4:
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit((folder / "server.log").read_text())
        try:
            ready += httpx.get(f"{url}/readyz", timeout=5).status_code == 200
        except httpx.HTTPError:
            time.sleep(0.3)
    return process, url


def return_body(lat: float, lon: float, category: str, weight: int) -> dict[str, object]:
    """The fields of a return at an address, as quotes and bookings send them."""
    return {
        "origin": {"lat": lat, "lon": lon},
        "parcels": [{"weight_g": weight, "volume_cm3": weight * 4}],
        "category": category,
        "reason": "size_or_fit",
        "insured": False,
        "merchant_id": "load",
    }


def generated_addresses(count: int, seed: int) -> list[tuple[float, float, str, int, int]]:
    """Generated Pingshan pickups: (lat, lon, category, weight, slot index); no bulky items, at most 15 kg."""
    rng = np.random.default_rng(seed)
    generated = generate_returns(load_region(REGION), DemandSpec(count, pickup_share=1.0), seed=seed)
    return [
        (
            r.address.lat,
            r.address.lon,
            r.category if r.category != "bulky" else "home",
            min(r.weight_g, 15_000),
            int(rng.integers(len(SLOTS))),
        )
        for r in generated
    ]


async def book_all(
    url: str, day: str, addresses: list[tuple[float, float, str, int, int]], clients: int
) -> dict[str, float]:
    """Book every address (its slot index) with `clients` concurrent clients; codes and latencies."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(addresses)):
        queue.put_nowait(i)
    latencies: list[float] = []
    codes: dict[int, int] = {}

    async def client(http: aiohttp.ClientSession) -> None:
        while not queue.empty():
            i = queue.get_nowait()
            lat, lon, category, weight, slot = addresses[i]
            start, end = SLOTS[slot]
            booking = {"slot_id": f"{day}T{start:02d}:00-{end:02d}:00", **return_body(lat, lon, category, weight)}
            began = time.perf_counter()
            async with http.post("/v1/pickups", json=booking, headers={"Idempotency-Key": f"{day}-{i}"}) as response:
                await response.read()
            latencies.append(time.perf_counter() - began)
            codes[response.status] = codes.get(response.status, 0) + 1

    # aiohttp, as in the open loop: the clients share the 2 cores with the server
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(base_url=url, timeout=timeout) as http:
        began = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        elapsed = time.perf_counter() - began
    return {
        "requests": len(latencies),
        "confirmed": codes.get(201, 0),
        "refused": codes.get(409, 0),
        "server_errors": sum(n for code, n in codes.items() if code >= 500),
        "per_s": len(latencies) / elapsed,
        "p50_ms": 1000 * float(np.percentile(latencies, 50)),
        "p95_ms": 1000 * float(np.percentile(latencies, 95)),
        "p99_ms": 1000 * float(np.percentile(latencies, 99)),
    }
