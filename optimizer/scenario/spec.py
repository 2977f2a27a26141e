"""The scenario file (TOML, documented in scenarios/README.md), read strictly.

Every key is known: an unknown key or a bad value is an error naming the file, the key and its line,
so a planner's typo never silently changes a what-if.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from optimizer.assignment.center_days import (
    DEFAULT_DELAY_CENTS_PER_DAY,
    DEFAULT_HOLD_CENTS_PER_DAY,
    DEFAULT_HORIZON_DAYS,
)
from optimizer.demand import CATEGORY_PROFILES, DemandSpec
from optimizer.domain import CenterCategory, Load, Location, ProcessingCenter, SlotGrid, TimeWindow
from optimizer.errors import ValidationError
from optimizer.fleet import FleetSpec, VehicleType
from optimizer.io.strict import (
    TomlTable,
    as_bool,
    as_clock,
    as_date,
    as_name,
    as_names,
    int_in,
    ints_in,
    number_in,
    read_toml_file,
)
from optimizer.policy import ReturnPolicy
from optimizer.quoting import SlotPolicy
from optimizer.scenario.rules_day import RulesSpec, rules_spec


@dataclass(frozen=True)
class ChoiceModel:
    """How shoppers choose (a multinomial logit, sampled with the scenario's seed).

    Utility of a pickup slot: ``preferred_bonus`` if it is the slot the shopper wanted, minus
    ``shift_penalty`` per slot away from it, minus ``price_per_yuan`` times what the shopper pays,
    plus ``green_bonus`` when the slot is labelled green (only with green labels on). Utility of a
    drop-off: minus ``switch_penalty`` for someone who wanted a pickup, minus the shopper's price.
    """

    preferred_bonus: float = 2.0
    shift_penalty: float = 0.6
    price_per_yuan: float = 0.15
    green_bonus: float = 0.8
    switch_penalty: float = 2.5


@dataclass(frozen=True)
class CenterChanges:
    """Processing centers closed, capacities changed (every day or one date), centers added; the delay cost."""

    closed: tuple[str, ...] = ()
    capacity: Mapping[date | None, Mapping[str, int]] = field(default_factory=dict)
    """`CenterCapacity.overrides`: None for every date, else one date; keys `C1` or `C1/apparel`."""
    added: tuple[ProcessingCenter, ...] = ()
    delay_cents_per_day: int = DEFAULT_DELAY_CENTS_PER_DAY
    hold_cents_per_day: int = DEFAULT_HOLD_CENTS_PER_DAY
    horizon_days: int = DEFAULT_HORIZON_DAYS


@dataclass(frozen=True)
class ScenarioSpec:
    """Everything one simulated day depends on."""

    name: str
    region: str
    day: date
    seed: int
    days: int
    """Return days simulated one after the other (backlog at the centers carried over)."""
    returns_by_day: tuple[int, ...]
    couriers_by_day: tuple[int, ...]
    demand: DemandSpec
    demand_file: Path | None
    """Real return requests to replay instead of generated ones."""
    fleet: FleetSpec
    slots: SlotPolicy
    green_labels: bool
    centers: CenterChanges
    policy: ReturnPolicy
    insured_share: float
    merchant_pays_shipping: bool
    """True: the merchant pays every return's way back (the "who pays" what-if)."""
    per_parcel_cents: int | None
    millicents_per_kg_km: int | None
    replan_time_limit_s: float
    replan_solutions: int
    choice: ChoiceModel
    rules: RulesSpec | None = None
    """Return rules, keep-it and abuse screening in the days (the `[rules]` table); None: every return comes back."""

    def on_day(self, k: int) -> ScenarioSpec:
        """Day `k` (from 0) of the run: its date, demand, fleet and seed (day 0 is the file's own day)."""
        return replace(
            self,
            day=self.day + timedelta(days=k),
            seed=self.seed + 1000 * k,
            demand=replace(self.demand, returns=self.returns_by_day[k]),
            fleet=replace(self.fleet, couriers_per_depot=self.couriers_by_day[k]),
        )


def _by_day(table: TomlTable, key: str, single: int, days: int, high: int) -> tuple[int, ...]:
    """`key` (a list of one figure per day), or `single` on every day."""
    figures = table.optional(key, ints_in(0, high))
    if figures is None:
        return (single,) * days
    if len(figures) != days:
        raise ValidationError(table.at(key), f"must have one figure per day ({days}), got {len(figures)}")
    return figures


def _demand(
    table: TomlTable, slots: SlotGrid, folder: Path, days: int
) -> tuple[DemandSpec, Path | None, tuple[int, ...]]:
    mix_table = table.table("category_mix")
    mix = {name: mix_table.get(name, number_in(0, 1e6)) for name in list(mix_table.value)}
    mix_table.done()
    file = table.optional("file", as_name)
    if file and days > 1:
        raise ValidationError(table.at("file"), "replays one day of requests: use it with days = 1")
    by_day = "returns_by_day" in table.value
    returns = table.get("returns", int_in(0, 1_000_000), 0 if file or by_day else None)
    returns_by_day = _by_day(table, "returns_by_day", returns, days, 1_000_000)
    spec = DemandSpec(
        returns=returns_by_day[0],
        pickup_share=table.get("pickup_share", number_in(0, 1), 0.55),
        category_mix=mix or {name: p.share for name, p in CATEGORY_PROFILES.items()},
        slots=slots,
    )
    table.done()
    return spec, (folder / file if file else None), returns_by_day


def _vehicle(v: TomlTable, default_name: str) -> VehicleType:
    default = VehicleType()
    build = partial(
        VehicleType,
        name=v.get("name", as_name, default_name),
        capacity=Load(
            v.get("weight_g", int_in(1, 10**9), default.capacity.weight_g),
            v.get("volume_cm3", int_in(1, 10**10), default.capacity.volume_cm3),
            v.get("parcels", int_in(1, 10_000), default.capacity.parcels),
        ),
        skills=frozenset(v.get("skills", as_names, tuple(sorted(default.skills)))),
        fixed_cost_cents=v.get("fixed_cost_cents", int_in(0, 10**9), default.fixed_cost_cents),
        cost_per_km_cents=v.get("cost_per_km_cents", int_in(0, 10**6), default.cost_per_km_cents),
        cost_per_hour_cents=v.get("cost_per_hour_cents", int_in(0, 10**6), default.cost_per_hour_cents),
        speed_factor=v.get("speed_factor", number_in(0.05, 20), default.speed_factor),
        co2_g_per_km=v.get("co2_g_per_km", number_in(0, 10_000), default.co2_g_per_km),
    )
    v.done()
    try:
        return build()
    except ValidationError as error:
        raise error.within(v.path) from None


def _fleet(table: TomlTable, days: int) -> tuple[FleetSpec, tuple[int, ...]]:
    default = FleetSpec()
    shift = table.table("shift")
    window = TimeWindow(
        shift.get("start", as_clock, default.shift.start_s), shift.get("end", as_clock, default.shift.end_s)
    )
    shift.done()
    vehicle = _vehicle(table.table("vehicle"), "van")
    more = []
    table.used.add("more")
    for i, item in enumerate(table.value.get("more", [])):
        entry = TomlTable(item, f"{table.at('more')}[{i}]")
        count = entry.get("per_depot", int_in(0, 1000))
        more.append((_vehicle(entry, f"type{i + 2}"), count))
    per_depot = table.get("couriers_per_depot", int_in(0, 1000), default.couriers_per_depot)
    by_day = _by_day(table, "couriers_per_depot_by_day", per_depot, days, 1000)
    fleet = FleetSpec(by_day[0], window, vehicle, tuple(more))
    table.done()
    return fleet, by_day


def _capacity(table: TomlTable) -> dict[date | None, dict[str, int]]:
    """`C1 = 800` and `"C1/apparel" = 300` for every date; a `"2026-11-12"` table for one date."""
    capacity: dict[date | None, dict[str, int]] = {None: {}}
    for key in list(table.value):
        if not isinstance(table.value[key], dict):
            capacity[None][key] = table.get(key, int_in(0, 10**9))
            continue
        try:
            day = date.fromisoformat(key)
        except ValueError:
            raise ValidationError(table.at(key), "a table here must be named by a date (YYYY-MM-DD)") from None
        one_day = table.table(key)
        capacity[day] = {name: one_day.get(name, int_in(0, 10**9)) for name in list(one_day.value)}
        one_day.done()
    table.done()
    return capacity


def _centers(table: TomlTable) -> CenterChanges:
    closed = table.optional("closed", as_names) or ()
    capacity = _capacity(table.table("capacity"))
    added = []
    table.used.add("add")
    for i, item in enumerate(table.value.get("add", [])):
        entry = TomlTable(item, f"{table.at('add')}[{i}]")
        terms_table = entry.table("categories")
        terms = {}
        for name in list(terms_table.value):
            t = terms_table.table(name)
            terms[name] = CenterCategory(
                t.get("cost_cents", int_in(0, 10**9)),
                t.get("recovery_cents", int_in(0, 10**9), 0),
                t.optional("capacity_per_day", int_in(0, 10**9)),
            )
            t.done()
        terms_table.done()
        location = Location(entry.get("lat", number_in(-90, 90)), entry.get("lon", number_in(-180, 180)))
        added.append(
            ProcessingCenter(entry.get("id", as_name), location, entry.get("capacity_per_day", int_in(0, 10**9)), terms)
        )
        entry.done()
    delay = table.get("delay_cents_per_day", int_in(0, 10**6), DEFAULT_DELAY_CENTS_PER_DAY)
    hold = table.get("hold_cents_per_day", int_in(0, 10**6), DEFAULT_HOLD_CENTS_PER_DAY)
    horizon = table.get("horizon_days", int_in(0, 60), DEFAULT_HORIZON_DAYS)
    table.done()
    return CenterChanges(closed, capacity, tuple(added), delay, hold, horizon)


def spec_from_toml(data: dict[str, Any], *, name: str, folder: Path = Path()) -> ScenarioSpec:
    """Build a scenario from parsed TOML; errors name the key path."""
    return spec_from_table(TomlTable(data, ""), name=name, folder=folder)


def spec_from_table(root: TomlTable, *, name: str, folder: Path = Path()) -> ScenarioSpec:
    """Build a scenario from its root table; every key has its default from the domain's dataclasses."""
    slots_table = root.table("slots")
    grid_default, slots_default, policy_default = SlotGrid(), SlotPolicy(), ReturnPolicy()
    grid = SlotGrid(
        opens_s=slots_table.get("opens", as_clock, grid_default.opens_s),
        closes_s=slots_table.get("closes", as_clock, grid_default.closes_s),
        length_s=slots_table.get("length_minutes", int_in(15, 24 * 60), grid_default.length_s // 60) * 60,
    )
    slot_policy = SlotPolicy(
        grid,
        cutoff_s=slots_table.get("cutoff_minutes", int_in(0, 24 * 60), slots_default.cutoff_s // 60) * 60,
        green_added_s=slots_table.get("green_added_minutes", int_in(0, 600), slots_default.green_added_s // 60) * 60,
    )
    green = slots_table.get("green_labels", as_bool, False)
    slots_table.done()
    days = root.get("days", int_in(1, 60), 1)
    fleet, couriers_by_day = _fleet(root.table("fleet"), days)
    policy_table = root.table("policy")
    policy = ReturnPolicy(
        pickup_fee_cents=policy_table.get("pickup_fee_cents", int_in(0, 10**7), policy_default.pickup_fee_cents),
        drop_off_fee_cents=policy_table.get("drop_off_fee_cents", int_in(0, 10**7), policy_default.drop_off_fee_cents),
        insurance_cap_cents=policy_table.get(
            "insurance_cap_cents", int_in(0, 10**7), policy_default.insurance_cap_cents
        ),
    )
    insured = policy_table.get("insured_share", number_in(0, 1), 0.3)
    merchant_pays = policy_table.get("merchant_pays_shipping", as_bool, False)
    policy_table.done()
    prices = root.table("prices")
    per_parcel = prices.optional("line_haul_per_parcel_cents", int_in(0, 10**7))
    rate = prices.optional("line_haul_millicents_per_kg_km", int_in(0, 10**7))
    prices.done()
    solver = root.table("solver")
    limit = solver.get("replan_time_limit_s", number_in(0.1, 3600), 60.0)
    solutions = solver.get("replan_solutions", int_in(1, 10**6), 200)
    solver.done()
    choice_table = root.table("choice")
    choice = ChoiceModel(
        **{
            key: choice_table.get(key, number_in(-100, 100), getattr(ChoiceModel(), key))
            for key in ChoiceModel.__dataclass_fields__
        }
    )
    choice_table.done()
    demand, demand_file, returns_by_day = _demand(root.table("demand"), grid, folder, days)
    spec = ScenarioSpec(
        name=root.get("name", as_name, name),
        region=root.get("region", as_name, "shenzhen-pingshan"),
        day=root.get("date", as_date),
        seed=root.get("seed", int_in(0, 2**31), 0),
        days=days,
        returns_by_day=returns_by_day,
        couriers_by_day=couriers_by_day,
        demand=demand,
        demand_file=demand_file,
        fleet=fleet,
        slots=slot_policy,
        green_labels=green,
        centers=_centers(root.table("centers")),
        policy=policy,
        insured_share=insured,
        merchant_pays_shipping=merchant_pays,
        per_parcel_cents=per_parcel,
        millicents_per_kg_km=rate,
        replan_time_limit_s=limit,
        replan_solutions=solutions,
        choice=choice,
        rules=rules_spec(root.table("rules"), folder) if "rules" in root.value else None,
    )
    root.done()
    return spec


def load_scenario(path: Path) -> ScenarioSpec:
    """Read a scenario file; every error names the file, the line and the key."""
    return read_toml_file(path, lambda root: spec_from_table(root, name=path.stem, folder=path.parent))
