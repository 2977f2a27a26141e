"""Optimal assignment vs the nearest-capable-center rule on the bundled region's generated days.

For each seed: a day of generated returns (the demand generator), consolidated at the nearest
depot (pickups) or drop-off point (drop-offs) by road, line haul over the road network, then the
optimal assignment and today's rule on the same returns. Both are checked by the validator. The
rule's overflow (returns beyond a full center) pays the same unplaced penalty the optimiser pays,
so the totals compare like for like; the table also shows the cost without any penalty, per
return that each one actually places.

    python benchmarks/assign_region_day.py --returns 3000 --seeds 5
"""

from __future__ import annotations

import argparse
import statistics

from optimizer.assignment.baseline import nearest_center
from optimizer.assignment.from_region import assignment_problem
from optimizer.assignment.result import AssignmentResult
from optimizer.assignment.solver import assign
from optimizer.assignment.validator import validate_assignment
from optimizer.demand import DemandSpec, generate_returns
from optimizer.geo.region import load_region


def _placed_cost_per_return(result: AssignmentResult) -> float:
    cost = result.cost
    placed = len(result.center_of) - result.unplaced_count
    return (cost.total_cents - cost.unplaced_penalty_cents) / max(1, placed) / 100


def main() -> None:
    """Parse the command line and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", default="shenzhen-pingshan")
    parser.add_argument("--returns", type=int, default=3000)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    region = load_region(args.region)
    print(f"{args.region}: {args.returns:,} generated returns per day, seeds 0..{args.seeds - 1}")
    header = ("seed", "optimal", "nearest rule", "saved", "overflow avoided", "per placed return opt/rule")
    print(f"{header[0]:>4} {header[1]:>12} {header[2]:>13} {header[3]:>8} {header[4]:>17} {header[5]:>28}")
    saved_pct, avoided = [], []
    for seed in range(args.seeds):
        returns = generate_returns(region, DemandSpec(args.returns), seed=seed)
        items = list(returns)
        problem = assignment_problem(region, items)
        optimal, rule = assign(problem), nearest_center(problem)
        assert validate_assignment(problem, optimal) == []
        assert validate_assignment(problem, rule) == []
        saved = 100 * (rule.cost.total_cents - optimal.cost.total_cents) / rule.cost.total_cents
        saved_pct.append(saved)
        avoided.append(rule.unplaced_count - optimal.unplaced_count)
        print(
            f"{seed:>4} {optimal.cost.total_cents / 100:>12,.2f} {rule.cost.total_cents / 100:>13,.2f} {saved:>7.1f}%"
            f" {rule.unplaced_count:>8,} -> {optimal.unplaced_count:<6,}"
            f" {_placed_cost_per_return(optimal):>13.2f} / {_placed_cost_per_return(rule):.2f} yuan"
        )
        util = ", ".join(
            f"{o.id} {o.used / o.capacity:.0%}/{r.demand / r.capacity:.0%}"
            for o, r in zip(optimal.centers, rule.centers, strict=True)
            if o.capacity
        )
        print(f"     utilisation optimal/rule-demand: {util}")
    print(
        f"median saving {statistics.median(saved_pct):.1f} %, median overflow avoided {statistics.median(avoided):,.0f}"
        f" returns per day (penalty {problem.unplaced_penalty_cents / 100:.0f} yuan per unplaced return)"
    )


if __name__ == "__main__":
    main()
