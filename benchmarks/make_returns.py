"""Write the returns-routing benchmark: `benchmarks/returns/{name}.json` and `{name}_online.json`.

A day of doorstep return pickups over a bundled region's roads: every depot of the region, a mixed
fleet (e-tricycles on early and late shifts, vans that carry bulky items, two-person crews), 2-hour
slots (some shoppers accept two), bulky items that need skills, exchanges (a replacement handed over
where the return is collected). Addresses come from the demand generator (residential streets),
parcels from the sample day's categories. Travel is the region's road network, named with its
fingerprint in `matrix` so a changed road file cannot pass for the same instance.

The online variant holds the same day and says when each booking arrives (a share were booked the
evening before) and when the day is re-planned (docs/formats.md, "Returns benchmark").
Everything is synthetic and seeded: `python benchmarks/make_returns.py` rewrites the files byte for byte.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the project's packages

from optimizer.demand import DemandSpec, generate_returns
from optimizer.geo.region import load_region
from scenarios.make_pickup_sample import CATEGORIES, SLOTS, clock, parcel

OUT = Path(__file__).with_name("returns")
DATE, TIMEZONE = "2026-11-30", "Asia/Shanghai"
ONLINE_FORMAT = "backhaul-online-1"
REPLAN_AT = [h * 3600 for h in (7, 9, 11, 13, 15, 17)]
"""The first re-plan (07:00, before any shift) is the morning plan of what is booked by then."""
BOOKED_THE_EVENING_BEFORE = 0.35
EARLIEST_BOOKING_S = 6 * 3600
LEAD_S = 90 * 60
"""A same-day booking arrives at least this long before its first slot opens."""
TRIKE = {"weight_g": 150_000, "volume_cm3": 1_200_000, "parcels": 40}
VAN = {"weight_g": 700_000, "volume_cm3": 4_500_000, "parcels": 90}


@dataclass(frozen=True)
class Day:
    """One benchmark instance: where, how many pickups, and its seed."""

    name: str
    region: str
    pickups: int
    seed: int


DAYS = (
    Day("pingshan_300", "shenzhen-pingshan", 300, 20261201),
    Day("pingshan_1000", "shenzhen-pingshan", 1000, 20261202),
    Day("pingshan_2000", "shenzhen-pingshan", 2000, 20261203),
    Day("shanghai_400", "shanghai-central", 400, 20261204),
)


def _couriers(depots: list[dict[str, Any]], pickups: int) -> list[dict[str, Any]]:
    """Per depot: e-tricycles (about one per 20 of its pickups, early and late shifts) and vans.

    Every van carries bulky items; every other one (the first included) has a two-person crew.
    """
    share = pickups / len(depots)
    trikes, vans = max(2, math.ceil(share / 20)), max(1, math.ceil(share / 80))
    couriers = []
    for d, depot in enumerate(depots):
        for k in range(trikes):
            early = k % 2 == 0
            couriers.append(
                {
                    "id": f"trike-{d + 1}-{k + 1}",
                    "start_depot": depot["id"],
                    "end_depot": depot["id"],
                    "shift": {"start": "08:30", "end": "17:30"} if early else {"start": "12:00", "end": "21:30"},
                    "capacity": TRIKE,
                    "fixed_cost_cents": 6_000,
                    "cost_per_km_cents": 25,
                    "cost_per_hour_cents": 3_500,
                    "speed_factor": 0.8,
                }
            )
        for k in range(vans):
            couriers.append(
                {
                    "id": f"van-{d + 1}-{k + 1}",
                    "start_depot": depot["id"],
                    "end_depot": depot["id"],
                    "shift": {"start": "09:00", "end": "21:30"},
                    "capacity": VAN,
                    "skills": ["bulky", "two_person"] if k % 2 == 0 else ["bulky"],
                    "fixed_cost_cents": 18_000,
                    "cost_per_km_cents": 140,
                    "cost_per_hour_cents": 4_500,
                }
            )
    return couriers


def _request(rng: np.random.Generator, number: int, lat: float, lon: float) -> dict[str, Any]:
    shares = np.array([c[3] for c in CATEGORIES])
    category = int(rng.choice(len(CATEGORIES), p=shares / shares.sum()))
    slot = int(rng.integers(len(SLOTS)))
    windows = [SLOTS[slot]]
    if rng.random() < 0.15 and slot + 2 < len(SLOTS):
        windows.append(SLOTS[slot + 2])
    bulky = CATEGORIES[category][0] == "bulky"
    request: dict[str, Any] = {
        "id": f"RET-{number:05d}",
        "lat": lat,
        "lon": lon,
        "time_windows": [{"start": clock(a), "end": clock(b)} for a, b in windows],
        "service_s": 420 if bulky else int(rng.integers(120, 300)),
        "parcels": [parcel(rng, category) for _ in range(1 if rng.random() < 0.8 else 2)],
    }
    if bulky:
        request["skills"] = ["bulky", "two_person"] if rng.random() < 0.4 else ["bulky"]
    if rng.random() < 0.12:
        request["delivery_parcels"] = [parcel(rng, category)]
    return request


def build(day: Day) -> tuple[dict[str, Any], dict[str, Any]]:
    """The static instance and its online variant, as JSON-ready dicts."""
    rng = np.random.default_rng(day.seed)
    region = load_region(day.region)
    depots = [{"id": d.id, "lat": d.location.lat, "lon": d.location.lon} for d in region.sites.depots]
    addresses = [r.address for r in generate_returns(region, DemandSpec(day.pickups), seed=day.seed)]
    requests = [_request(rng, k + 1, a.lat, a.lon) for k, a in enumerate(addresses)]
    problem = {
        "name": f"{day.name}: Backhaul returns benchmark v1 (synthetic day over OpenStreetMap roads)",
        "date": DATE,
        "timezone": TIMEZONE,
        "matrix": {"kind": "road", "region": region.name, "fingerprint": region.fingerprint},
        "depots": depots,
        "couriers": _couriers(depots, day.pickups),
        "requests": requests,
    }
    arrivals = []
    for request in requests:
        opens = min(_seconds(w["start"]) for w in request["time_windows"])
        latest = opens - LEAD_S
        if rng.random() < BOOKED_THE_EVENING_BEFORE or latest <= EARLIEST_BOOKING_S:
            at = 0
        else:
            at = int(rng.integers(EARLIEST_BOOKING_S, latest)) // 60 * 60
        arrivals.append({"request_id": request["id"], "at": clock(at)})
    arrivals.sort(key=lambda a: (_seconds(a["at"]), a["request_id"]))
    online = {
        "format": ONLINE_FORMAT,
        "name": f"{day.name}_online",
        "problem": problem,
        "arrivals": arrivals,
        "replan_at": [clock(t) for t in REPLAN_AT],
    }
    return problem, online


def _seconds(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def main(argv: list[str] | None = None) -> None:
    """Write every instance of `DAYS` into `benchmarks/returns/`."""
    about = "Write the returns benchmark's instances into benchmarks/returns/, the same bytes every time."
    argparse.ArgumentParser(description=about).parse_args(argv)  # --help, and no stray arguments
    OUT.mkdir(exist_ok=True)
    for day in DAYS:
        problem, online = build(day)
        for name, document in ((day.name, problem), (f"{day.name}_online", online)):
            path = OUT / f"{name}.json"
            path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
