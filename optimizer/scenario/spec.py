"""The scenario file (TOML, documented in scenarios/README.md), read strictly.

Every key is known: an unknown key or a bad value is an error naming the file, the key and its line,
so a planner's typo never silently changes a what-if.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

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
    number_in,
    read_toml_file,
)
from optimizer.policy import ReturnPolicy
from optimizer.quoting import SlotPolicy


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
    """Processing centers closed, capacities changed, centers added."""

    closed: tuple[str, ...] = ()
    capacity: Mapping[str, int] = field(default_factory=dict)
    added: tuple[ProcessingCenter, ...] = ()


@dataclass(frozen=True)
class ScenarioSpec:
    """Everything one simulated day depends on."""

    name: str
    region: str
    day: date
    seed: int
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


def _demand(table: TomlTable, slots: SlotGrid, folder: Path) -> tuple[DemandSpec, Path | None]:
    mix_table = table.table("category_mix")
    mix = {name: mix_table.get(name, number_in(0, 1e6)) for name in list(mix_table.value)}
    mix_table.done()
    file = table.optional("file", as_name)
    spec = DemandSpec(
        returns=table.get("returns", int_in(0, 1_000_000), 0 if file else None),
        pickup_share=table.get("pickup_share", number_in(0, 1), 0.55),
        category_mix=mix or {name: p.share for name, p in CATEGORY_PROFILES.items()},
        slots=slots,
    )
    table.done()
    return spec, (folder / file if file else None)


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


def _fleet(table: TomlTable) -> FleetSpec:
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
    fleet = FleetSpec(per_depot, window, vehicle, tuple(more))
    table.done()
    return fleet


def _centers(table: TomlTable) -> CenterChanges:
    closed = table.optional("closed", as_names) or ()
    capacity_table = table.table("capacity")
    capacity = {name: capacity_table.get(name, int_in(0, 10**9)) for name in list(capacity_table.value)}
    capacity_table.done()
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
    table.done()
    return CenterChanges(closed, capacity, tuple(added))


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
    fleet = _fleet(root.table("fleet"))
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
    demand, demand_file = _demand(root.table("demand"), grid, folder)
    spec = ScenarioSpec(
        name=root.get("name", as_name, name),
        region=root.get("region", as_name, "shenzhen-pingshan"),
        day=root.get("date", as_date),
        seed=root.get("seed", int_in(0, 2**31), 0),
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
    )
    root.done()
    return spec


def load_scenario(path: Path) -> ScenarioSpec:
    """Read a scenario file; every error names the file, the line and the key."""
    return read_toml_file(path, lambda root: spec_from_table(root, name=path.stem, folder=path.parent))
