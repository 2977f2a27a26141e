"""Abuse screening, measured: precision, recall and the honest false-positive rate on a planted population.

A population of shoppers (`optimizer/screening/population.py`) is generated with documented
abusive behaviours planted on some accounts; the detector (`optimizer/screening/detector.py`)
sees only the observable purchases, returns and inspection grades, never the labels. Every
account asking for a return in the last 30 days of the 180 is screened once, at its last request,
on the history before it; flagged = any action but `allow`, at the default thresholds.

The detector's weights and ramps were tuned on seed 7 only (and looked at on seed 11); the default
seed, 2026, is held apart from any tuning. Beside it, the rule a practitioner reaches for first: flag
an account that returned more than half of its orders (at least 5) in the last 90 days.

    python benchmarks/abuse.py --json
    python benchmarks/abuse.py --shoppers 20000 --seed 2027
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the project's packages

from optimizer.rules import Screening
from optimizer.screening.detector import RiskAssessment
from optimizer.screening.evaluation import Scores, Screener, detector, evaluate
from optimizer.screening.history import History
from optimizer.screening.population import PopulationSpec, generate_population

HELD_OUT_SEED = 2026


def return_rate_rule(history: History, account: str, _address: str, now: datetime) -> RiskAssessment:
    """The usual first rule: more than half of at least 5 orders returned in 90 days."""
    since = now - timedelta(days=90)
    bought = sum(1 for p in history.purchases_of.get(account, ()) if since <= p.delivered_at < now)
    returned = sum(1 for r in history.returns_of.get(account, ()) if since <= r.requested_at < now)
    flagged = bought >= 5 and returned > bought / 2
    return RiskAssessment(float(flagged), (), "inspect_at_door" if flagged else "allow")


def _figures(scores: Scores) -> dict[str, object]:
    return {
        "precision": round(scores.precision, 4),
        "recall": round(scores.recall, 4),
        "honest_fpr": round(scores.honest_fpr, 4),
        "screened": scores.screened,
        "abusive": scores.abusive,
        "flagged": scores.flagged,
        "recall_by_behaviour": {b: round(r, 4) for b, r in scores.recall_by_behaviour.items()},
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Generate the population, screen it with both, print the figures (a table, or JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shoppers", type=int, default=10_000, help="shoppers in the population (default 10000)")
    parser.add_argument("--seed", type=int, default=HELD_OUT_SEED, help="population seed (default: the held-out 2026)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    if not 100 <= args.shoppers <= 1_000_000:
        parser.error("--shoppers must be within [100, 1000000]")
    started = time.perf_counter()
    population = generate_population(PopulationSpec(shoppers=args.shoppers), args.seed)
    generated = time.perf_counter()
    screens: dict[str, Screener] = {"backhaul": detector(Screening()), "return_rate_rule": return_rate_rule}
    results = {}
    for name, screen in screens.items():
        began = time.perf_counter()
        results[name] = _figures(evaluate(population, screen)) | {"seconds": round(time.perf_counter() - began, 2)}
    figures = results["backhaul"] | {
        "seed": args.seed,
        "shoppers": args.shoppers,
        "purchases": len(population.purchases),
        "returns": len(population.returns),
        "generate_seconds": round(generated - started, 2),
        "baseline": results["return_rate_rule"],
    }
    if args.json:
        print(json.dumps(figures))
        return 0
    print(f"population: {args.shoppers} shoppers (seed {args.seed}), {len(population.returns)} returns")
    print(f"{'':<18}{'precision':>10}{'recall':>8}{'honest_fpr':>12}{'flagged':>9}")
    for name, row in results.items():
        print(f"{name:<18}{row['precision']:>10.3f}{row['recall']:>8.3f}{row['honest_fpr']:>12.4f}{row['flagged']:>9}")
    print("recall by behaviour (backhaul):", results["backhaul"]["recall_by_behaviour"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
