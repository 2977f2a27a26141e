"""In-process cost of a quote and of a slot list with a day already booked, on any region (the city too).

The service runs in this process on a fresh SQLite file. `--booked` pickups are booked for tomorrow
through the API (generated addresses, random slots), then quotes and slot lists at other generated
addresses are timed one at a time, twice:

- ``service``: the call into the service (`Quotes.quote`, `Quotes.slots`): the road lookups, the
  insertion check over the day's plan, the center estimate and the database reads, no HTTP;
- ``app``: the worker's own time for the same request through the ASGI app (`Server-Timing`),
  which adds routing, validation, the CPU gate's thread hand-off and serialising the answer.

Medians over `--repeats` rounds of `--requests` each. Targets (issue 14): with 2,000 booked on
Pingshan, quote <= 2 ms and slot list <= 1.5 ms; on the city-sized network <= 4 ms and <= 3 ms.

    python benchmarks/live_quotes.py --booked 2000 --requests 300 --repeats 3
    python benchmarks/city_region.py /tmp/regions/generated-city
    python benchmarks/live_quotes.py --regions-dir /tmp/regions --region generated-city
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import numpy as np
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the project's packages

from api.config import Settings
from api.main import create_app
from api.schemas import LatLon, ParcelIn, QuoteCreate
from api.services import Service
from benchmarks.live_server import SLOTS, return_body
from optimizer.demand import DemandSpec, generate_returns
from optimizer.geo import DEFAULT_REGIONS_DIR
from optimizer.geo.region import load_region


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Book the day, time both requests, print and return the medians (milliseconds)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", default="shenzhen-pingshan")
    parser.add_argument("--regions-dir", type=Path, default=DEFAULT_REGIONS_DIR)
    parser.add_argument("--booked", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--couriers-per-depot", type=int, default=12)
    args = parser.parse_args(argv)
    region = load_region(args.region, regions_dir=args.regions_dir)
    rng = np.random.default_rng(3)
    generated = generate_returns(region, DemandSpec(args.booked + args.requests, pickup_share=1.0), seed=3)
    addresses = [
        (r.address.lat, r.address.lon, r.category if r.category != "bulky" else "home", min(r.weight_g, 15_000))
        for r in generated
    ]
    zone = ZoneInfo("Asia/Shanghai")
    day = datetime.now(zone).date() + timedelta(days=1)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            database_url=f"sqlite:///{folder}/live.db",
            region=args.region,
            regions_dir=args.regions_dir,
            couriers_per_depot=args.couriers_per_depot,
            cache_dir=Path(folder) / "cache",
            dev=True,
        )
        app = create_app(settings)
        with TestClient(app) as client:
            began, confirmed = time.perf_counter(), 0
            for i, (lat, lon, category, weight) in enumerate(addresses[: args.booked]):
                start, end = SLOTS[int(rng.integers(len(SLOTS)))]
                slot = f"{day.isoformat()}T{start:02d}:00-{end:02d}:00"
                body = {"slot_id": slot, **return_body(lat, lon, category, weight)}
                answer = client.post("/v1/pickups", json=body, headers={"Idempotency-Key": f"k{i}"})
                confirmed += answer.status_code == 201
            print(
                f"{region.title}: {len(region.road_graph.lonlat):,} road nodes; booked {confirmed:,} of "
                f"{args.booked:,} for {day} in {time.perf_counter() - began:.0f} s"
            )
            figures = _time(client, app.state.service, addresses[args.booked :], day.isoformat(), args.repeats)
    for name, value in figures.items():
        print(f"  {name:<14} median {value:6.2f} ms")
    return figures


def _time(
    client: TestClient, service: Service, addresses: list[tuple[float, float, str, int]], day: str, repeats: int
) -> dict[str, float]:
    """Medians over the repeats of each kind's per-request median."""
    quotes = service.quotes
    runs: dict[str, list[float]] = {"quote service": [], "quote app": [], "slots service": [], "slots app": []}
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    bodies = [return_body(lat, lon, category, weight) | {"date_from": day} for lat, lon, category, weight in addresses]
    for _ in range(repeats):
        timed: dict[str, list[float]] = {name: [] for name in runs}
        for (lat, lon, _category, weight), body in zip(addresses, bodies, strict=True):
            quote = QuoteCreate.model_validate(body)
            began = time.perf_counter()
            quotes.quote("dev", quote, now)
            timed["quote service"].append(time.perf_counter() - began)
            parcels = [ParcelIn(weight_g=weight, volume_cm3=weight * 4, count=1)]
            began = time.perf_counter()
            quotes.slots(LatLon(lat=lat, lon=lon), parcels, datetime.fromisoformat(day).date(), 1, now)
            timed["slots service"].append(time.perf_counter() - began)
            answer = client.post("/v1/quotes", json=body)
            timed["quote app"].append(_app_s(answer.headers))
            params = {"lat": lat, "lon": lon, "weight_g": weight, "volume_cm3": weight * 4, "date_from": day}
            timed["slots app"].append(_app_s(client.get("/v1/pickup-slots", params=params).headers))
        for name, values in timed.items():
            runs[name].append(1000 * statistics.median(values))
    return {name: statistics.median(values) for name, values in runs.items()}


def _app_s(headers: httpx.Headers) -> float:
    timing = headers.get("server-timing", "")
    if not timing.startswith("app;dur="):
        raise SystemExit(f"no Server-Timing in the answer: {timing!r}")
    return float(timing.removeprefix("app;dur=")) / 1000


if __name__ == "__main__":
    main()
