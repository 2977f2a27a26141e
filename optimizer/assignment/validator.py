"""Independent check of an assignment.

Independent check of an assignment: written from the problem's rules alone, sharing no code with
the flow model, so a modelling bug cannot hide behind itself.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from optimizer.assignment.problem import AssignmentProblem
from optimizer.assignment.result import AssignmentResult


def validate_assignment(problem: AssignmentProblem, result: AssignmentResult) -> list[str]:
    """Every broken rule, as a sentence; an empty list means the assignment is valid."""
    errors: list[str] = []
    returns = problem.returns
    if len(result.center_of) != len(returns):
        return [f"{len(result.center_of)} assignments for {len(returns)} returns"]
    per_center: Counter[int] = Counter()
    per_line: Counter[tuple[int, str]] = Counter()
    for i, center in enumerate(result.center_of.tolist()):
        if center == -1:
            continue
        if not 0 <= center < len(problem.centers):
            errors.append(f"return {returns.ids[i]}: center index {center} does not exist")
            continue
        category = problem.categories[int(returns.category[i])]
        if category not in problem.centers[center].categories:
            errors.append(f"return {returns.ids[i]}: {problem.centers[center].id} cannot process {category}")
        per_center[center] += 1
        per_line[center, category] += 1
    for c, center in enumerate(problem.centers):
        if per_center[c] > center.capacity_per_day:
            errors.append(f"{center.id}: {per_center[c]} returns exceed its capacity {center.capacity_per_day}")
        for category, terms in center.categories.items():
            if terms.capacity_per_day is not None and per_line[c, category] > terms.capacity_per_day:
                errors.append(
                    f"{center.id}: {per_line[c, category]} {category} returns exceed its {category} capacity "
                    f"{terms.capacity_per_day}"
                )
    unplaced_listed = sorted(int(i) for group in result.unplaced for i in group.indices)
    if unplaced_listed != np.flatnonzero(result.center_of == -1).tolist():
        errors.append("the unplaced returns listed with reasons differ from those without a center")
    return errors
