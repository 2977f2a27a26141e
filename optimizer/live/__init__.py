"""Live day plans: routes every booking joins the moment it is made, priced by cheapest feasible insertion."""

from optimizer.live.bridge import booked_request, plan_from_result, plan_problem, plan_result
from optimizer.live.plan import DayPlan, LiveRoute, LiveStop
from optimizer.live.pricer import Insertion, LivePlanner, NewPickup

__all__ = [
    "DayPlan",
    "Insertion",
    "LivePlanner",
    "LiveRoute",
    "LiveStop",
    "NewPickup",
    "booked_request",
    "plan_from_result",
    "plan_problem",
    "plan_result",
]
