"""Write synthetic Solomon-format VRPTW instances of any size (for scale tests without public files).

    python benchmarks/make_vrptw.py --customers 1000 --kind r1 --seed 1 --out results/synthetic_r1_1000.txt

Modelled loosely on Gehring & Homberger's generator: customers uniform over a 500 x 500 square
(`r`) or around 30 cluster centres (`c`), the depot in the middle, demands 10-40 against a
capacity of 200, a quarter of the customers (`*1`: half) with a 60-unit window placed where a
vehicle leaving the depot can still make it and return, the rest open all day.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

SIDE = 500.0
HORIZON = 1_800


def make_instance(customers: int, kind: str, seed: int) -> str:
    """The instance text; `kind` is r1, r2, c1 or c2 (1: tighter windows, 10 service; 2: looser, 90)."""
    rng = np.random.default_rng(seed)
    if kind.startswith("c"):
        centres = rng.uniform(0, SIDE, size=(30, 2))
        xy = centres[rng.integers(30, size=customers)] + rng.normal(0, 15, size=(customers, 2))
        xy = np.clip(xy, 0, SIDE)
    else:
        xy = rng.uniform(0, SIDE, size=(customers, 2))
    service = 10 if kind.endswith("1") else 90
    narrow_share = 0.5 if kind.endswith("1") else 0.25
    depot = (SIDE / 2, SIDE / 2)
    rows = [(0, round(depot[0]), round(depot[1]), 0, 0, HORIZON, 0)]
    for c in range(customers):
        x, y = round(float(xy[c, 0])), round(float(xy[c, 1]))
        reach = math.ceil(math.dist(depot, (x, y)))
        latest = HORIZON - reach - service
        if rng.random() < narrow_share:
            centre = int(rng.integers(reach + 30, max(reach + 31, latest - 29)))
            ready, due = centre - 30, centre + 30
        else:
            ready, due = 0, latest
        rows.append((c + 1, x, y, int(rng.integers(10, 41)), ready, due, service))
    lines = [f"{kind}_{customers}_{seed}", "", "VEHICLE", "NUMBER     CAPACITY", f"  {customers // 4}         200", ""]
    lines += ["CUSTOMER", "CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME", ""]
    lines += ["  ".join(f"{v:>6}" for v in row) for row in rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Parse the command line and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--kind", choices=["r1", "r2", "c1", "c2"], default="r1")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(make_instance(args.customers, args.kind, args.seed))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
