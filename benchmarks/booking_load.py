"""Booking throughput for one region-day on a real server, SQLite or PostgreSQL, checked afterwards.

Starts `backhaul serve --workers 2` on Pingshan (a fresh SQLite file, or the PostgreSQL database
`--postgres URL` names, migrated on start), then C concurrent clients book N generated pickups
(random slots) for one day as fast as they can; each repeat books another day. Reported, medians
over the repeats: bookings answered per second and confirmed per second, p50 and p99 latency, the
answers by kind (5xx must be none). After each repeat the day's stored plan goes through the
independent validator, and every confirmed booking must be in it exactly once: a fast booking that
oversold a route or lost a pickup would show here. The clients share the 2 cores with the server.
Targets (issue 14): >= 200 bookings/s on PostgreSQL and >= 100/s on SQLite.

    python benchmarks/booking_load.py --bookings 1000 --clients 16 --repeats 3
    python benchmarks/booking_load.py --postgres "$(bash .ci/postgres | tail -1)"
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the project's packages

from api.config import Settings
from api.jobs import booked_requests
from api.services import Service
from api.store import Store
from api.tables import BookingRow
from benchmarks.arguments import positive
from benchmarks.live_server import REGION, book_all, generated_addresses, start_server
from optimizer.live import plan_problem, plan_result
from optimizer.routing import validate


def check_day(database: str, couriers: int, day: str) -> tuple[int, int]:
    """The day's stored plan: (validator problems, bookings confirmed but not exactly once in the plan)."""
    store = Store(database)
    try:
        service = Service(Settings(database_url=database, region=REGION, couriers_per_depot=couriers), store)
        when = date.fromisoformat(day)
        plan = service.current_plan(when)
        with store.read() as session:
            query = select(BookingRow).where(BookingRow.day == when, BookingRow.status == "booked")
            rows = list(session.execute(query).scalars().all())
        stops = [s.booking_id for route in plan.routes.values() for s in route.stops]
        by_id = {s.booking_id: s for route in plan.routes.values() for s in route.stops}
        misplaced = len({r.id for r in rows} ^ set(stops)) + (len(stops) - len(set(stops)))
        problem = plan_problem(service.desk.planner, plan, booked_requests(rows, by_id))
        return len(validate(problem, plan_result(problem, plan))), misplaced
    finally:
        store.dispose()


def main(argv: list[str] | None = None) -> None:
    """Parse the command line, run the repeats on one server and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=positive, default=1000, help="bookings per repeat (one day each)")
    parser.add_argument("--clients", type=positive, default=16)
    parser.add_argument("--couriers-per-depot", type=positive, default=40)
    parser.add_argument("--repeats", type=positive, default=3)
    parser.add_argument("--postgres", metavar="URL", default=None, help="book into this PostgreSQL database")
    args = parser.parse_args(argv)
    if args.postgres is not None and not args.postgres.startswith("postgresql"):
        parser.error(f"--postgres: {args.postgres!r} is not a PostgreSQL URL (postgresql+psycopg://...)")
    addresses = generated_addresses(args.bookings, seed=5)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    days = [(today + timedelta(days=1 + r)).isoformat() for r in range(args.repeats)]
    with tempfile.TemporaryDirectory() as folder:
        database = args.postgres or f"sqlite:///{folder}/bookings.db"
        process, url = start_server(Path(folder), args.couriers_per_depot, DATABASE_URL=database)
        try:
            runs = [asyncio.run(book_all(url, day, addresses, args.clients)) for day in days]
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        checks = [check_day(database, args.couriers_per_depot, day) for day in days]
    kind = "PostgreSQL" if args.postgres else "SQLite"
    target = 200 if args.postgres else 100
    median = {name: statistics.median(r[name] for r in runs) for name in runs[0]}
    confirmed_s = statistics.median(r["confirmed"] / r["requests"] * r["per_s"] for r in runs)
    print(f"{args.bookings} bookings per day, {args.clients} clients, 2 workers, {kind}, {len(runs)} days (medians):")
    print(
        f"  answered   {median['per_s']:6.1f}/s (target >= {target})   confirmed {confirmed_s:6.1f}/s"
        f"   p50 {median['p50_ms']:6.1f} ms   p99 {median['p99_ms']:6.1f} ms"
    )
    print(f"  confirmed / refused (409)   {[(r['confirmed'], r['refused']) for r in runs]}")
    print(f"  5xx                         {[r['server_errors'] for r in runs]} (none)")
    print(f"  plan problems (validator)   {[c[0] for c in checks]} (none)")
    print(f"  bookings not once in plan   {[c[1] for c in checks]} (none)")


if __name__ == "__main__":
    main()
