"""Write `pickups_pingshan_sample.json`: a synthetic but realistic day of doorstep return pickups.

60 pickups in Shenzhen's Pingshan district, 2 depots, 6 couriers (e-tricycles and vans), 2-hour
slots from 09:00 to 21:00, a few bulky items and exchanges, a few optional next-day-able pickups.
Addresses come from the demand generator (residential streets of the bundled region), depots are
two of the region's synthetic depots; everything else is drawn here. All of it is synthetic and
seeded: `python scenarios/make_pickup_sample.py` regenerates the file byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from optimizer.demand import DemandSpec, generate_returns
from optimizer.geo.region import load_region

SEED = 20261126
OUT = Path(__file__).with_name("pickups_pingshan_sample.json")
SLOTS = [(h * 3600, (h + 2) * 3600) for h in range(9, 21, 2)]
# (category, weight range g, volume range cm3, share)
CATEGORIES = [
    ("apparel", (300, 1500), (3_000, 15_000), 0.45),
    ("shoes", (900, 2200), (9_000, 16_000), 0.2),
    ("electronics", (400, 4_000), (2_000, 30_000), 0.2),
    ("home", (1_000, 8_000), (10_000, 60_000), 0.1),
    ("bulky", (18_000, 45_000), (150_000, 400_000), 0.05),
]


def clock(seconds: int) -> str:
    """Seconds from midnight as HH:MM."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def parcel(rng: np.random.Generator, category: int) -> dict[str, int]:
    """One parcel of the category, its weight and volume drawn from the category's ranges."""
    _, weight, volume, _ = CATEGORIES[category]
    return {"weight_g": int(rng.integers(*weight)), "volume_cm3": int(rng.integers(*volume)), "count": 1}


def build() -> dict[str, Any]:
    """The sample problem as a JSON-ready dict."""
    rng = np.random.default_rng(SEED)
    region = load_region("shenzhen-pingshan")
    west, east = region.sites.depots[1].location, region.sites.depots[3].location
    depots = [
        {"id": "depot-pingshan-west", "lat": west.lat, "lon": west.lon},
        {"id": "depot-pingshan-east", "lat": east.lat, "lon": east.lon},
    ]
    addresses = [r.address for r in generate_returns(region, DemandSpec(60), seed=SEED)]
    trike = {"weight_g": 150_000, "volume_cm3": 1_200_000, "parcels": 40}
    van = {"weight_g": 700_000, "volume_cm3": 4_500_000, "parcels": 90}
    couriers = []
    for d, depot in enumerate(depots):
        for k, (kind, capacity, skills, shift) in enumerate(
            [
                ("trike", trike, [], ("08:30", "17:30")),
                ("trike", trike, [], ("12:00", "21:30")),
                ("van", van, ["bulky", "two_person"] if d == 0 else ["bulky"], ("09:00", "21:30")),
            ]
        ):
            couriers.append(
                {
                    "id": f"{kind}-{'we'[d]}{k + 1}",
                    "start_depot": depot["id"],
                    "end_depot": depot["id"],
                    "shift": {"start": shift[0], "end": shift[1]},
                    "capacity": capacity,
                    "skills": skills,
                    "fixed_cost_cents": 6_000 if kind == "trike" else 18_000,
                    "cost_per_km_cents": 25 if kind == "trike" else 140,
                    "cost_per_hour_cents": 3_500 if kind == "trike" else 4_500,
                    "max_route_duration_s": 8 * 3600 if kind == "trike" else 9 * 3600,
                    "speed_factor": 0.8 if kind == "trike" else 1.0,
                }
            )
    shares = np.array([c[3] for c in CATEGORIES])
    requests = []
    for i in range(60):
        category = int(rng.choice(len(CATEGORIES), p=shares / shares.sum()))
        slot = int(rng.integers(len(SLOTS)))
        windows = [SLOTS[slot]]
        if rng.random() < 0.15 and slot + 2 < len(SLOTS):
            windows.append(SLOTS[slot + 2])
        request: dict[str, Any] = {
            "id": f"RET-{i + 1:04d}",
            "lat": addresses[i].lat,
            "lon": addresses[i].lon,
            "time_windows": [{"start": clock(a), "end": clock(b)} for a, b in windows],
            "service_s": 420 if CATEGORIES[category][0] == "bulky" else int(rng.integers(120, 300)),
            "parcels": [parcel(rng, category) for _ in range(1 if rng.random() < 0.8 else 2)],
        }
        if CATEGORIES[category][0] == "bulky":
            request["skills"] = ["bulky", "two_person"] if rng.random() < 0.4 else ["bulky"]
        if rng.random() < 0.12:
            request["delivery_parcels"] = [parcel(rng, category)]
        if rng.random() < 0.1:
            request["mandatory"] = False
            request["penalty_cents"] = 2_500
        requests.append(request)
    return {
        "name": "Pingshan sample day (synthetic)",
        "matrix": {"kind": "haversine", "detour_factor": 1.35, "speed_kmh": 24},
        "depots": depots,
        "couriers": couriers,
        "requests": requests,
    }


if __name__ == "__main__":
    OUT.write_text(json.dumps(build(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")
