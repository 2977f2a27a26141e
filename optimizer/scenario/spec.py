"""The scenario file (TOML, documented in scenarios/README.md), read strictly.

Every key is known: an unknown key or a bad value is an error naming the file, the key and its line,
so a planner's typo never silently changes a what-if.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from optimizer.demand import CATEGORY_PROFILES, DemandSpec, SlotGrid
from optimizer.domain import CenterCategory, Load, Location, ProcessingCenter, TimeWindow
from optimizer.errors import InputFileError, ValidationError
from optimizer.fleet import FleetSpec, VehicleType
from optimizer.io.strict_json import JsonNode
from optimizer.policy import ReturnPolicy
from optimizer.quoting import SlotPolicy

T = TypeVar("T")
_CLOCK = re.compile(r"^(\d{1,2}):([0-5]\d)$")
DEFAULT_VEHICLE_SKILLS: tuple[str, ...] = ("bulky",)


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


class _Table(JsonNode):
    """A TOML table with its key path: the strict JSON reader's getters, TOML's words."""

    CONTAINER = "a table"
    UNKNOWN = "unknown key"

    def table(self, key: str) -> _Table:
        """A sub-table; an absent one reads as empty (every key in it has a default or is required)."""
        self.used.add(key)
        return _Table(self.value.get(key, {}), self.at(key))


def _int(low: int, high: int) -> Callable[[object, str], int]:
    def convert(value: object, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(path, f"must be an integer within [{low}, {high}], got {value!r}")
        return value

    return convert


def _number(low: float, high: float) -> Callable[[object, str], float]:
    def convert(value: object, path: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValidationError(path, f"must be a number, got {value!r}")
        if not low <= value <= high:
            raise ValidationError(path, f"must be within [{low:g}, {high:g}], got {value}")
        return float(value)

    return convert


def _str(value: object, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValidationError(path, f"must be a non-empty string, got {value!r}")
    return value


def _bool(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(path, f"must be true or false, got {value!r}")
    return value


def _clock(value: object, path: str) -> int:
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if not match:
        raise ValidationError(path, f'must be a time "HH:MM", got {value!r}')
    return int(match.group(1)) * 3600 + int(match.group(2)) * 60


def _date(value: object, path: str) -> date:
    if isinstance(value, date):
        return value
    raise ValidationError(path, f"must be a date (2026-12-01, unquoted), got {value!r}")


def _strings(value: object, path: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValidationError(path, "must be a list of strings")
    return tuple(_str(item, f"{path}[{i}]") for i, item in enumerate(value))


def _demand(table: _Table, slots: SlotGrid, folder: Path) -> tuple[DemandSpec, Path | None]:
    mix_table = table.table("category_mix")
    mix = {name: mix_table.get(name, _number(0, 1e6)) for name in list(mix_table.value)}
    mix_table.done()
    file = table.optional("file", _str)
    spec = DemandSpec(
        returns=table.get("returns", _int(0, 1_000_000), 0 if file else None),
        pickup_share=table.get("pickup_share", _number(0, 1), 0.55),
        category_mix=mix or {name: p.share for name, p in CATEGORY_PROFILES.items()},
        slots=slots,
    )
    table.done()
    return spec, (folder / file if file else None)


def _vehicle(v: _Table, default_name: str) -> VehicleType:
    vehicle = VehicleType(
        name=v.get("name", _str, default_name),
        capacity=Load(
            v.get("weight_g", _int(1, 10**9), 400_000),
            v.get("volume_cm3", _int(1, 10**10), 3_000_000),
            v.get("parcels", _int(1, 10_000), 60),
        ),
        skills=frozenset(v.get("skills", _strings, DEFAULT_VEHICLE_SKILLS)),
        fixed_cost_cents=v.get("fixed_cost_cents", _int(0, 10**9), 15_000),
        cost_per_km_cents=v.get("cost_per_km_cents", _int(0, 10**6), 120),
        cost_per_hour_cents=v.get("cost_per_hour_cents", _int(0, 10**6), 4_500),
        speed_factor=v.get("speed_factor", _number(0.05, 20), 1.0),
        co2_g_per_km=v.get("co2_g_per_km", _number(0, 10_000), 180.0),
    )
    v.done()
    return vehicle


def _fleet(table: _Table) -> FleetSpec:
    shift = table.table("shift")
    window = TimeWindow(shift.get("start", _clock, 8 * 3600), shift.get("end", _clock, 22 * 3600))
    shift.done()
    vehicle = _vehicle(table.table("vehicle"), "van")
    more = []
    table.used.add("more")
    for i, item in enumerate(table.value.get("more", [])):
        entry = _Table(item, f"{table.at('more')}[{i}]")
        count = entry.get("per_depot", _int(0, 1000))
        more.append((_vehicle(entry, f"type{i + 2}"), count))
    fleet = FleetSpec(table.get("couriers_per_depot", _int(0, 1000), 4), window, vehicle, tuple(more))
    table.done()
    return fleet


def _centers(table: _Table) -> CenterChanges:
    closed = table.optional("closed", _strings) or ()
    capacity_table = table.table("capacity")
    capacity = {name: capacity_table.get(name, _int(0, 10**9)) for name in list(capacity_table.value)}
    capacity_table.done()
    added = []
    table.used.add("add")
    for i, item in enumerate(table.value.get("add", [])):
        entry = _Table(item, f"{table.at('add')}[{i}]")
        terms_table = entry.table("categories")
        terms = {}
        for name in list(terms_table.value):
            t = terms_table.table(name)
            terms[name] = CenterCategory(
                t.get("cost_cents", _int(0, 10**9)),
                t.get("recovery_cents", _int(0, 10**9), 0),
                t.optional("capacity_per_day", _int(0, 10**9)),
            )
            t.done()
        terms_table.done()
        location = Location(entry.get("lat", _number(-90, 90)), entry.get("lon", _number(-180, 180)))
        added.append(
            ProcessingCenter(entry.get("id", _str), location, entry.get("capacity_per_day", _int(0, 10**9)), terms)
        )
        entry.done()
    table.done()
    return CenterChanges(closed, capacity, tuple(added))


def spec_from_toml(data: dict[str, Any], *, name: str, folder: Path = Path()) -> ScenarioSpec:
    """Build a scenario from parsed TOML; errors name the key path."""
    root = _Table(data, "")
    slots_table = root.table("slots")
    grid = SlotGrid(
        opens_s=slots_table.get("opens", _clock, 9 * 3600),
        closes_s=slots_table.get("closes", _clock, 21 * 3600),
        length_s=slots_table.get("length_minutes", _int(15, 24 * 60), 120) * 60,
    )
    slot_policy = SlotPolicy(
        grid,
        cutoff_s=slots_table.get("cutoff_minutes", _int(0, 24 * 60), 60) * 60,
        green_added_s=slots_table.get("green_added_minutes", _int(0, 600), 5) * 60,
    )
    green = slots_table.get("green_labels", _bool, False)
    slots_table.done()
    fleet = _fleet(root.table("fleet"))
    policy_table = root.table("policy")
    policy = ReturnPolicy(
        pickup_fee_cents=policy_table.get("pickup_fee_cents", _int(0, 10**7), 600),
        drop_off_fee_cents=policy_table.get("drop_off_fee_cents", _int(0, 10**7), 200),
        insurance_cap_cents=policy_table.get("insurance_cap_cents", _int(0, 10**7), 1_200),
    )
    insured = policy_table.get("insured_share", _number(0, 1), 0.3)
    merchant_pays = policy_table.get("merchant_pays_shipping", _bool, False)
    policy_table.done()
    prices = root.table("prices")
    per_parcel = prices.optional("line_haul_per_parcel_cents", _int(0, 10**7))
    rate = prices.optional("line_haul_millicents_per_kg_km", _int(0, 10**7))
    prices.done()
    solver = root.table("solver")
    limit = solver.get("replan_time_limit_s", _number(0.1, 3600), 60.0)
    solutions = solver.get("replan_solutions", _int(1, 10**6), 200)
    solver.done()
    choice_table = root.table("choice")
    choice = ChoiceModel(
        **{
            key: choice_table.get(key, _number(-100, 100), getattr(ChoiceModel(), key))
            for key in ChoiceModel.__dataclass_fields__
        }
    )
    choice_table.done()
    demand, demand_file = _demand(root.table("demand"), grid, folder)
    spec = ScenarioSpec(
        name=root.get("name", _str, name),
        region=root.get("region", _str, "shenzhen-pingshan"),
        day=root.get("date", _date),
        seed=root.get("seed", _int(0, 2**31), 0),
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


def _line_of(text: str, field_path: str) -> int | None:
    """1-based line of a dotted key in TOML text: its table header, then the key inside it."""
    parts = [p for p in re.split(r"\.|\[\d+\]", field_path) if p]
    lines = text.splitlines()
    start, section = 0, ""
    for depth in range(len(parts) - 1, 0, -1):
        header = re.compile(r"^\s*\[+\s*" + re.escape(".".join(parts[:depth])) + r"\s*\]+")
        hits = [i for i, line in enumerate(lines) if header.match(line)]
        if hits:
            start, section = hits[0] + 1, ".".join(parts[:depth])
            break
    key = parts[len(section.split(".")) if section else 0] if parts else ""
    pattern = re.compile(r"^\s*" + re.escape(key) + r"\s*=|[{,]\s*" + re.escape(parts[-1]) + r"\s*=")
    for i in range(start, len(lines)):
        if i > start and lines[i].lstrip().startswith("[") and section:
            break
        if pattern.search(lines[i]):
            return i + 1
    return start or None


def load_scenario(path: Path) -> ScenarioSpec:
    """Read a scenario file; every error names the file, the line and the key."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputFileError(f"{path}: cannot read: {error}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputFileError(f"{path}: not valid TOML: {error}") from None
    try:
        return spec_from_toml(data, name=path.stem, folder=path.parent)
    except ValidationError as error:
        line = _line_of(text, error.field)
        raise InputFileError(f"{path}:{line}: {error}" if line else f"{path}: {error}") from None
