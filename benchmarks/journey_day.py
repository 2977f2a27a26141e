"""A day's returns through events on a real server: bookings, then every courier's report, and the webhooks.

Starts `backhaul serve --workers 2` on the bundled shanghai-central region (a fresh SQLite file per
repeat) with a webhook endpoint in this process that refuses one call in ten (HTTP 500). T clients
book N pickups for tomorrow, then report each one `picked_up`. Reported, medians over the repeats:
bookings and events per second with their p50 and p99 latency (the booking is the baseline: both
write a return under its row and day locks), how long the last webhook took to arrive after the
last event, and the count check of the notifications (every one of the 2 N, by id: none lost, none
twice). The day's plan is checked by the independent validator at the end of each repeat.

    python benchmarks/journey_day.py --pickups 200 --threads 16 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the project's packages

from api.config import Settings
from api.jobs import booked_requests
from api.services import Service
from api.store import Store
from api.tables import BookingRow
from benchmarks.arguments import positive
from benchmarks.center_fill import repeated
from benchmarks.live_server import start_server
from optimizer.live import plan_problem, plan_result
from optimizer.routing import validate

REGION = "shanghai-central"
SECRET = "bench-" + "s" * 40
HOURS = (9, 11, 13, 15, 17, 19)


class Receiver:
    """A webhook endpoint that refuses one call in ten and notes when each notification id first arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.accepted: Counter[str] = Counter()
        lock, refuse, receiver = threading.Lock(), random.Random(3), self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                with lock:
                    fail = refuse.random() < 0.1
                    if not fail:
                        receiver.accepted[body["id"]] += 1
                        receiver.arrived.setdefault(body["id"], time.perf_counter())
                self.send_response(500 if fail else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _timed(calls: list[Callable[[], int]], threads: int) -> tuple[float, list[float], Counter[int]]:
    """Run the calls `threads` at a time: the wall time, each call's seconds, the status codes."""

    def one(call: Callable[[], int]) -> tuple[float, int]:
        started = time.perf_counter()
        status = call()
        return time.perf_counter() - started, status

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(one, calls))
    return time.perf_counter() - started, [r[0] for r in results], Counter(r[1] for r in results)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_once(folder: Path, args: argparse.Namespace) -> dict[str, float]:
    """One fresh server, database and endpoint: book, report, wait for the webhooks, validate."""
    receiver = Receiver()
    database = f"sqlite:///{folder / 'journey.db'}"
    hooks = json.dumps({"dev": {"url": receiver.url, "secret": SECRET}})
    process, url = start_server(
        folder,
        args.couriers,
        DATABASE_URL=database,
        BACKHAUL_REGION=REGION,
        BACKHAUL_VEHICLE_PARCELS="60",
        BACKHAUL_WEBHOOKS=hooks,
        BACKHAUL_WEBHOOK_EVERY_S="0.5",
    )
    day = datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=1)
    client = httpx.Client(base_url=url, timeout=120, limits=httpx.Limits(max_connections=args.threads))
    booked: list[str] = []
    try:

        def book(i: int) -> int:
            origin = {"lat": 31.2250 + (i % 40) * 0.0003, "lon": 121.4650 + (i // 40 % 10) * 0.0004}
            body = {
                "slot_id": f"{day.isoformat()}T{HOURS[i % 6]:02d}:00-{HOURS[i % 6] + 2:02d}:00",
                "origin": origin,
                "parcels": [{"weight_g": 800, "volume_cm3": 4000}],
                "category": "apparel",
                "reason": "size_or_fit",
                "merchant_id": "m-1",
            }
            answer = client.post("/v1/pickups", json=body)
            if answer.status_code == 201:
                booked.append(answer.json()["return_id"])
            return answer.status_code

        book_wall, book_s, book_codes = _timed([partial(book, i) for i in range(args.pickups)], args.threads)

        def report(return_id: str) -> int:
            at = datetime.now(UTC).isoformat()
            event = {"event_id": f"up-{return_id}", "type": "picked_up", "at": at}
            return client.post(f"/v1/returns/{return_id}/events", json=event).status_code

        event_wall, event_s, event_codes = _timed([partial(report, r) for r in booked], args.threads)
        last_event = time.perf_counter()
        expected = 2 * len(booked)
        deadline = time.monotonic() + args.webhook_timeout_s
        while len(receiver.arrived) < expected and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        client.close()
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        receiver.server.shutdown()
    store = Store(database)
    service = Service(Settings(database_url=database, region=REGION, vehicle_parcels=60), store)
    plan = service.current_plan(day)
    with store.read() as session:
        rows = session.execute(select(BookingRow).where(BookingRow.id.in_(plan.booking_ids()))).scalars().all()
    stops = {s.booking_id: s for route in plan.routes.values() for s in route.stops}
    problem = plan_problem(service.desk.planner, plan, booked_requests(list(rows), stops))
    problems = validate(problem, plan_result(problem, plan))
    store.dispose()
    return {
        "booked": book_codes[201],
        "bookings_per_s": len(book_s) / book_wall,
        "booking_p50_ms": 1000 * _percentile(book_s, 0.5),
        "booking_p99_ms": 1000 * _percentile(book_s, 0.99),
        "events_ok": event_codes[201],
        "events_per_s": len(event_s) / event_wall,
        "event_p50_ms": 1000 * _percentile(event_s, 0.5),
        "event_p99_ms": 1000 * _percentile(event_s, 0.99),
        "webhooks_expected": expected,
        "webhooks_arrived": len(receiver.arrived),
        "webhooks_twice": sum(n > 1 for n in receiver.accepted.values()),
        "last_webhook_after_s": max(receiver.arrived.values(), default=last_event) - last_event,
        "invalid_plan": len(problems),
    }


def main() -> None:
    """Parse the command line, run the repeats and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pickups", type=positive, default=200)
    parser.add_argument("--threads", type=positive, default=16)
    parser.add_argument("--couriers", type=positive, default=4, help="couriers per depot")
    parser.add_argument("--repeats", type=positive, default=3)
    parser.add_argument("--webhook-timeout-s", type=positive, default=120)
    args = parser.parse_args()
    runs, median = repeated(run_once, args)
    print(f"{args.pickups} pickups, {args.threads} clients, 2 workers, SQLite, {len(runs)} runs (medians):")
    print(f"  booked (201)                      {[r['booked'] for r in runs]}")
    print(
        f"  bookings  {median['bookings_per_s']:6.1f}/s   p50 {median['booking_p50_ms']:6.1f} ms"
        f"   p99 {median['booking_p99_ms']:6.1f} ms   (the baseline write)"
    )
    print(
        f"  events    {median['events_per_s']:6.1f}/s   p50 {median['event_p50_ms']:6.1f} ms"
        f"   p99 {median['event_p99_ms']:6.1f} ms   ({[r['events_ok'] for r in runs]} accepted)"
    )
    print(f"  event p50 / booking p50           {median['event_p50_ms'] / median['booking_p50_ms']:.2f}")
    arrived = [f"{r['webhooks_arrived']}/{r['webhooks_expected']}" for r in runs]
    print(f"  webhooks arrived (by id)          {arrived} (one call in ten refused and retried)")
    print(f"  webhooks taken twice              {[r['webhooks_twice'] for r in runs]} (none)")
    print(f"  last webhook after the last event {median['last_webhook_after_s']:.1f} s")
    print(f"  plan problems (validator)         {[r['invalid_plan'] for r in runs]} (none)")


if __name__ == "__main__":
    main()
