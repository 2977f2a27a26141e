"""Center capacity on the live path: many shoppers register drop-offs at once against a small center-day.

Starts `backhaul serve --workers 2` on the bundled shanghai-central region (a fresh SQLite file per
repeat; the tests run the same on PostgreSQL) with center C1 limited to N returns a day. R shoppers
then quote and register a drop-off, T at a time (threads, one HTTP client each). Reported, medians
over the repeats: registrations per second; how many went to C1 on the first processing date (it
must be exactly N: the rest go elsewhere or later); center-days over capacity (none); and the cost
of the places the live path gave, against the batch min-cost flow over center-days on the same
returns (`placement_cost`; issue 11: within 3 %).

    python benchmarks/center_fill.py --registrations 1000 --capacity 50 --threads 32 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the project's packages

from api.config import Settings
from api.services import Service
from api.store import Store
from api.tables import CenterDayRow, DropOffRow
from benchmarks.arguments import positive
from benchmarks.live_server import start_server
from benchmarks.retrying import post_retrying
from optimizer.assignment import ReturnBatch, assign
from optimizer.assignment.center_days import TOTAL, center_day_problem
from optimizer.assignment.result import cost_of

REGION = "shanghai-central"
CATEGORIES = ("apparel", "shoes", "home", "electronics")


def placement_cost(service: Service, first_day: date) -> tuple[int, int, Counter[tuple[str, date]]]:
    """The registered drop-offs' cost, and the batch min-cost flow's over center-days on the same returns.

    Both from an empty state, with the same capacities, horizon and price of a day's wait (delay and
    hold, as the service decides); also where they went.
    """
    with service.store.read() as session:
        rows = session.execute(select(DropOffRow)).scalars().all()
    placed = Counter((row.center_id, row.processing_date) for row in rows)
    reservations = service.centers
    problem = reservations.problem
    origins = np.array([service.desk.origins.index(row.point_id) for row in rows])
    categories = np.array([problem.categories.index(row.category) for row in rows])
    weights = np.array([sum(p["weight_g"] * p.get("count", 1) for p in row.parcels) for row in rows])
    batch = ReturnBatch(tuple(row.id for row in rows), origins, categories, weights)
    same = type(problem)(
        problem.origin_ids, problem.categories, problem.centers, problem.line_haul_m, problem.tariff, batch
    )
    settings = service.settings
    over_days, columns = center_day_problem(
        same,
        reservations.capacity,
        [first_day] * len(rows),
        settings.processing_horizon_days,
        settings.wait_cents_per_day,
    )
    optimum = assign(over_days)
    assert not optimum.unplaced
    column_of = {(center.id, day): c for c, (center, day) in enumerate(columns)}
    live = cost_of(over_days, np.array([column_of[row.center_id, row.processing_date] for row in rows]))
    return live.total_cents, optimum.cost.total_cents, placed


def _register(url: str, i: int) -> int:
    """Shopper i (addresses spread over a few streets) quotes and registers the first drop-off offered."""
    body = {
        "origin": {"lat": 31.2290 + (i % 20) * 0.0002, "lon": 121.4737},
        "parcels": [{"weight_g": 500 + 300 * (i % 7), "volume_cm3": 4000}],
        "category": CATEGORIES[i % 4],
        "reason": "size_or_fit",
        "insured": False,
        "merchant_id": "m-1",
    }
    with httpx.Client(base_url=url, timeout=120) as client:
        quote = post_retrying(client, "/v1/quotes", json=body).json()
        point = next(o["point_id"] for o in quote["options"] if o["method"] == "drop_off")
        return client.post("/v1/dropoffs", json={"quote_id": quote["quote_id"], "point_id": point}).status_code


def over_capacity(service: Service) -> int:
    """Center-day counts (totals and category lines) above their capacity: none, whatever the concurrency."""
    capacity = service.centers.capacity
    centers = {center.id: center for center in capacity.centers}
    with service.store.read() as session:
        rows = session.execute(select(CenterDayRow)).scalars().all()
    over = 0
    for row in rows:
        limit = capacity.limit(centers[row.center_id], row.category, row.day)
        if row.category == TOTAL:
            limit = limit or 0
        over += limit is not None and row.used > limit
    return over


def run_once(folder: Path, args: argparse.Namespace) -> dict[str, float]:
    """One fresh server and database: every registration at once, then the counts and the costs."""
    database = f"sqlite:///{folder / 'fill.db'}"
    capacity = f'{{"default": {{"C1": {args.capacity}}}}}'
    process, url = start_server(
        folder, 2, DATABASE_URL=database, BACKHAUL_REGION=REGION, BACKHAUL_CENTER_CAPACITY=capacity
    )
    try:
        started = time.perf_counter()
        with ThreadPoolExecutor(args.threads) as pool:
            codes = Counter(pool.map(lambda i: _register(url, i), range(args.registrations)))
        wall = time.perf_counter() - started
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    store = Store(database)
    service = Service(Settings(database_url=database, region=REGION, center_capacity=capacity), store)
    first_day = service.today(datetime.now(UTC)) + timedelta(days=1)
    live, optimum, placed = placement_cost(service, first_day)
    result = {
        "per_s": args.registrations / wall,
        "created": codes[201],
        "at_c1_first_day": placed["C1", first_day],
        "over_capacity": over_capacity(service),
        "live_over_optimum_pct": 100 * (live / optimum - 1),
    }
    store.dispose()
    return result


def repeated(
    run: Callable[[Path, argparse.Namespace], dict[str, float]], args: argparse.Namespace
) -> tuple[list[dict[str, float]], dict[str, float]]:
    """`args.repeats` runs, each in a fresh temporary folder, and the median of every figure."""
    runs = []
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as folder:
            runs.append(run(Path(folder), args))
    return runs, {key: statistics.median(r[key] for r in runs) for key in runs[0]}


def main() -> None:
    """Parse the command line, run the repeats and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=positive, default=1000)
    parser.add_argument("--capacity", type=positive, default=50, help="C1's returns a day")
    parser.add_argument("--threads", type=positive, default=32)
    parser.add_argument("--repeats", type=positive, default=3)
    args = parser.parse_args()
    runs, median = repeated(run_once, args)
    print(
        f"{args.registrations} registrations, {args.threads} at a time, C1 = {args.capacity} a day, {len(runs)} runs:"
    )
    print(f"  created (201)                    {median['created']:.0f} (every run: {[r['created'] for r in runs]})")
    print(f"  registrations per second         {median['per_s']:.1f}")
    print(f"  at C1 on the first date          {[r['at_c1_first_day'] for r in runs]} (exactly {args.capacity})")
    print(f"  center-days over capacity        {[r['over_capacity'] for r in runs]} (none)")
    print(f"  live cost above the batch optimum {median['live_over_optimum_pct']:.2f} % (<= 3 %)")


if __name__ == "__main__":
    main()
