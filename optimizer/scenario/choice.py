"""The shoppers' side of a Backhaul day: each one sees the priced slots and a drop-off, and chooses (logit)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import numpy as np

from optimizer.live import DayPlan
from optimizer.quoting import ReturnsDesk, SlotOffer
from optimizer.rules import ItemEconomics, keep_it, may_keep
from optimizer.rules.ruleset import is_quality_problem
from optimizer.scenario.day import DayBookings, Progress, Shopper, drop_off
from optimizer.scenario.spec import ScenarioSpec


def logit(rng: np.random.Generator, utilities: list[float]) -> int:
    """Sample one option by multinomial logit over `utilities`."""
    top = max(utilities)
    weights = np.exp(np.array(utilities) - top)
    return int(rng.choice(len(utilities), p=weights / weights.sum()))


def pays(spec: ScenarioSpec, shopper: Shopper, amount: int) -> int:
    """What the shopper pays of `amount`: nothing when the merchant pays (quality, or by policy)."""
    if spec.merchant_pays_shipping or is_quality_problem(shopper.request.reason):
        return 0
    shares = spec.policy.rules().split(amount, reason=shopper.request.reason, insured=shopper.insured)
    return sum(a for payer, a in shares if payer.value == "customer")


def keeps(
    spec: ScenarioSpec,
    desk: ReturnsDesk,
    shopper: Shopper,
    offers: list[SlotOffer],
    rng: np.random.Generator,
    day: DayBookings,
) -> bool:
    """True when the shopper keeps the item: keep-it was offered and taken (with the scenario's share).

    It is offered when the cheapest way back (the offered slots, the drop-off) and processing cost more
    than the item recovers.
    """
    screened, rules = shopper.screened, spec.rules
    if screened is None or rules is None:
        return False
    request, depots = shopper.request, len(desk.region.sites.depots)
    ways = []
    home = desk.center_for(shopper.zone, request.category, request.weight_g)
    if home is not None and offers:
        cheapest = min(o.insertion.marginal_cost_cents for o in offers if o.insertion is not None)
        ways.append((spec.policy.pickup_fee_cents + cheapest + home.transport_cents, home))
    point = (
        desk.center_for(depots + shopper.drop_point, request.category, request.weight_g)
        if (shopper.drop_point is not None and request.category != "bulky")
        else None
    )
    if point is not None:
        ways.append((spec.policy.drop_off_fee_cents + point.transport_cents, point))
    if not ways:
        return False
    cost, place = min(ways, key=lambda way: way[0])
    processing = place.center.categories[request.category].cost_cents
    item = ItemEconomics(
        screened.value_cents, processing, may_keep(rules.rules, screened.value_cents, screened.action == "allow")
    )
    (answer,) = keep_it([item], request.reason, cost)
    if not answer.offered or rng.random() >= rules.keep_it_take_share:
        return False
    day.kept[request.id] = cost + processing - answer.expected_recovery_cents
    return True


def book_with_backhaul(
    spec: ScenarioSpec, desk: ReturnsDesk, shoppers: list[Shopper], progress: Progress
) -> tuple[DayPlan, DayBookings]:
    """Replay the shoppers in order through the desk: each books a priced slot or drops off; the live plan grows."""
    rng = np.random.default_rng(spec.seed + 1)
    planner, choice = desk.planner, spec.choice
    plan = planner.empty_plan()
    now = datetime.combine(spec.day - timedelta(days=1), time(12), desk.zone)
    day = DayBookings({}, 0, {}, [])
    grid = list(spec.slots.grid.slots)
    for k, shopper in enumerate(shoppers):
        request = shopper.request
        if request.method != "pickup":
            if not keeps(spec, desk, shopper, [], rng, day):
                drop_off(day, shopper)
            continue
        pickup = desk.pickup(shopper.point, request.parcels())
        offers = [o for o in desk.slot_offers({spec.day: plan}, pickup, now) if o.available]
        if keeps(spec, desk, shopper, offers, rng, day):
            continue
        day.wanted_pickup += 1
        preferred = grid.index(request.preferred_slot) if request.preferred_slot in grid else 0
        utilities, picks = [], []
        for offer in offers:
            assert offer.insertion is not None
            price = pays(spec, shopper, spec.policy.pickup_fee_cents + offer.insertion.marginal_cost_cents)
            utility = (
                (choice.preferred_bonus if grid.index(offer.window) == preferred else 0.0)
                - choice.shift_penalty * abs(grid.index(offer.window) - preferred)
                - choice.price_per_yuan * price / 100
            )
            if spec.green_labels and desk.is_green(offer):
                utility += choice.green_bonus
            utilities.append(utility)
            picks.append(offer)
        if shopper.drop_point is not None and request.category != "bulky":
            origin = len(desk.region.sites.depots) + shopper.drop_point
            at_point = desk.center_for(origin, request.category, request.weight_g)
            price = pays(spec, shopper, spec.policy.drop_off_fee_cents + (at_point.transport_cents if at_point else 0))
            utilities.append(-choice.switch_penalty - choice.price_per_yuan * price / 100)
        if not utilities:
            day.unserved.append(request.id)
            continue
        chosen = logit(rng, utilities)
        if chosen < len(picks):
            taken: SlotOffer = picks[chosen]
            assert taken.insertion is not None
            plan = planner.insert(plan, request.id, pickup, taken.insertion)
            day.booked[request.id] = taken.window
        else:
            drop_off(day, shopper)
        if k % 50 == 0:
            progress("shoppers book", k / len(shoppers))
    return plan, day
