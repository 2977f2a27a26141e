"""Service settings, read from environment variables once at the edge (pydantic-settings).

`DATABASE_URL` selects the store (default: a SQLite file in the working directory);
`BACKHAUL_API_KEYS` lists `tenant:key` pairs; every other setting is `BACKHAUL_<NAME>`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from optimizer.assignment.center_days import (
    DEFAULT_DELAY_CENTS_PER_DAY,
    DEFAULT_HOLD_CENTS_PER_DAY,
    DEFAULT_HORIZON_DAYS,
)
from optimizer.domain import Load, SlotGrid, TimeWindow
from optimizer.errors import ValidationError
from optimizer.fleet import FleetSpec, VehicleType
from optimizer.geo import DEFAULT_CACHE_DIR, DEFAULT_REGIONS_DIR
from optimizer.policy import PolicyBook, ReturnPolicy
from optimizer.quoting import SlotPolicy

DEV_TENANT = "dev"


def key_hash(key: str) -> str:
    """The SHA-256 of an API key, hex: what the settings keep and what a request's key is compared by."""
    return hashlib.sha256(key.encode()).hexdigest()


TOOL_VARIABLES = frozenset(
    {"BACKHAUL_TEST_POSTGRES_URL", "BACKHAUL_PROPERTY_EXAMPLES", "BACKHAUL_STATEFUL_STEPS", "BACKHAUL_STATEFUL_RUNS"}
)
"""`BACKHAUL_*` variables that are not settings: the test suite's own (README, "Tests")."""
_FLEET, _GRID, _SLOTS = FleetSpec(), SlotGrid(), SlotPolicy()
"""The domain's defaults: each setting below starts from them, so a default is declared once."""


def _json_object(value: str, shape: str) -> dict[str, Any]:
    """A setting's JSON object, or a ValueError saying the `shape` it should have."""
    try:
        table = json.loads(value)
    except ValueError:
        raise ValueError(shape) from None
    if not isinstance(table, dict):
        raise ValueError(shape)
    return table


@dataclass(frozen=True)
class Endpoint:
    """A tenant's webhook endpoint and the secret its deliveries are signed with."""

    url: str
    secret: str = field(repr=False)


class Settings(BaseSettings):
    """Everything the service can be told; defaults run the bundled region on a local SQLite file."""

    model_config = SettingsConfigDict(env_prefix="BACKHAUL_", extra="ignore", frozen=True, env_parse_none_str="none")

    database_url: str = Field(
        "sqlite:///backhaul.db", validation_alias=AliasChoices("DATABASE_URL", "BACKHAUL_DATABASE_URL")
    )
    api_keys: str = ""
    """`tenant:sha256=<hex>` (the SHA-256 of the key) or `tenant:key` entries, comma separated.

    Keys are kept and compared only as hashes. Without any key the service refuses to start unless
    `dev` is set (`backhaul serve --dev`, loopback only): then every caller is the `dev` tenant.
    """
    operator_tenants: str = ""
    """Comma-separated tenants that are operators: they plan days and read routes and metrics."""
    merchant_tenants: str = ""
    """`tenant:merchant_id` entries, comma separated: such a tenant quotes and books only for its merchant."""
    center_tenants: str = ""
    """`tenant:center_id` entries, comma separated: a center's systems, which may post `received` and
    `inspected` events for the returns sent to that center (a tenant may be named for several centers)."""
    dev: bool = False
    """Development mode: no API keys, one `dev` tenant (only `backhaul serve --dev`, on a loopback host)."""
    region: str = "shenzhen-pingshan"
    regions_dir: Path = DEFAULT_REGIONS_DIR
    cache_dir: Path = DEFAULT_CACHE_DIR
    timezone: str = "Asia/Shanghai"
    migrate: bool = True
    """Bring the database schema up to date at startup (`backhaul serve` does it once, before its workers)."""

    couriers_per_depot: int = Field(_FLEET.couriers_per_depot, ge=0, le=200)
    shift_start_s: int = Field(_FLEET.shift.start_s, ge=0, le=48 * 3600)
    shift_end_s: int = Field(_FLEET.shift.end_s, ge=0, le=48 * 3600)
    vehicle_weight_g: int = Field(_FLEET.vehicle.capacity.weight_g, ge=1)
    vehicle_volume_cm3: int = Field(_FLEET.vehicle.capacity.volume_cm3, ge=1)
    vehicle_parcels: int = Field(_FLEET.vehicle.capacity.parcels, ge=1)

    slot_opens_s: int = Field(_GRID.opens_s, ge=0)
    slot_closes_s: int = Field(_GRID.closes_s, ge=0)
    slot_length_s: int = Field(_GRID.length_s, ge=900)
    cutoff_s: int = Field(_SLOTS.cutoff_s, ge=0)
    green_added_s: int = Field(_SLOTS.green_added_s, ge=0)
    quote_ttl_s: int = Field(900, ge=10, le=7 * 86400)
    merchant_policies: str = ""
    """JSON: `{"merchant id": {"pickup_fee_cents": 500, ...}}`; others use the default policy."""

    center_capacity: str = ""
    """JSON overrides of the region's center capacities per processing day:
    `{"default": {"C1": 500, "C1/apparel": 200}, "2026-11-11": {"C1": 900}}` (a date's own wins)."""
    delay_cents_per_day: int = Field(DEFAULT_DELAY_CENTS_PER_DAY, ge=0, le=10**6)
    """What one day of waiting before processing costs per return (storage, later refund, value lost)."""
    hold_cents_per_day: int = Field(DEFAULT_HOLD_CENTS_PER_DAY, ge=0, le=10**6)
    """Added to the delay cost when deciding: what a later day's place is worth to the returns to come."""
    processing_horizon_days: int = Field(DEFAULT_HORIZON_DAYS, ge=0, le=60)
    """How many days after its earliest a return may wait for a center with room."""

    webhooks: str = ""
    """JSON `{"tenant": {"url": "https://...", "secret": "..."}}`: where each tenant's return events go,
    signed with its secret (at least 32 characters)."""
    webhook_every_s: float = Field(2.0, ge=0, le=3600)
    """How often each worker delivers the notifications that are due (0: this server does not deliver)."""
    webhook_max_attempts: int = Field(12, ge=1, le=100)
    """Deliveries tried per notification (backoff 2 s, 4 s, ... up to an hour) before it is kept as failed."""
    webhook_timeout_s: float = Field(5.0, gt=0, le=60)

    max_pickup_attempts: int = Field(2, ge=1, le=10)
    """Doorstep attempts a return gets; after that many failed pickups only a drop-off is offered."""
    rebook_days: int = Field(2, ge=1, le=7)
    """Days of slots a failed pickup's `rebook_options` cover, from the day it failed."""

    background_plan_every_s: float = Field(600.0, ge=0)
    """Re-optimise today's and tomorrow's plans this often when they changed (0: only on request)."""
    background_plan_time_limit_s: float = Field(20.0, gt=0, le=3600)

    max_body_bytes: int = Field(256 * 1024, ge=1024)
    max_parcels: int = Field(20, ge=1, le=1000)
    max_slot_days: int = Field(7, ge=1, le=31)
    max_days_ahead: int = Field(30, ge=1, le=365)
    max_plan_time_limit_s: float = Field(60.0, gt=0, le=3600)
    max_assignment_returns: int = Field(20_000, ge=1)
    max_queued_jobs: int = Field(8, ge=1, le=1000)
    """Plan jobs queued or running on this server at once; more answer 429."""
    max_jobs_per_tenant: int = Field(2, ge=1, le=1000)
    """Plan jobs one tenant may have queued or running at once; more answer 429."""
    job_retention_days: int = Field(7, ge=1, le=366)
    """Finished plan jobs are purged after this many days."""
    idempotency_retention_h: int = Field(48, ge=24, le=24 * 90)
    """How long a booking's `Idempotency-Key` and its first response are kept (at least 24 h)."""
    matrix_cache_max_bytes: int = Field(512 * 1024 * 1024, ge=1024 * 1024)
    """The road-matrix cache's bound on disk (least recently used files go first)."""
    pricing_radius_m: float | None = Field(4000.0, gt=0, le=1_000_000)
    """A quote prices the gaps of the day's routes with a stop within this many metres (straight line)
    of the address, and every empty route; unset (`none`), every gap of every route."""
    pricing_threads: int = Field(2, ge=1, le=64)
    """Threads per worker that compute quotes and slot lists (CPU work: about the number of cores)."""
    max_in_flight: int = Field(8, ge=1, le=10_000)
    """Quotes and slot lists one worker computes or queues at once; more get `429` with `Retry-After` at once."""
    worker_threads: int = Field(40, ge=1, le=1000)
    """Threads each worker runs blocking handlers on; the database pool has as many connections."""
    db_lock_timeout_ms: int = Field(5000, ge=100)
    """PostgreSQL `lock_timeout`: a write waiting longer for a row lock fails (503) instead of piling up."""
    db_statement_timeout_ms: int = Field(30000, ge=100)
    """PostgreSQL `statement_timeout`: no statement runs longer."""

    @field_validator("api_keys")
    @classmethod
    def _keys_are_pairs(cls, value: str) -> str:
        for pair in filter(None, (p.strip() for p in value.split(","))):
            tenant, _, key = pair.partition(":")
            if not tenant or not key:
                raise ValueError("each entry must be tenant:key or tenant:sha256=<64 hex digits>")
            if key.startswith("sha256=") and not re.fullmatch(r"[0-9a-f]{64}", key.removeprefix("sha256=")):
                raise ValueError(f"the key of tenant {tenant!r} must be sha256= and 64 lowercase hex digits")
        return value

    @cached_property
    def tenants_by_key(self) -> dict[str, str]:
        """SHA-256 of each API key (hex) -> tenant; empty in development mode."""
        pairs = (p.strip().partition(":") for p in self.api_keys.split(",") if p.strip())
        return {key.removeprefix("sha256=") if key.startswith("sha256=") else key_hash(key): t for t, _, key in pairs}

    @cached_property
    def operators(self) -> frozenset[str]:
        """The operator tenants (the `dev` tenant is one in development mode)."""
        named = frozenset(t.strip() for t in self.operator_tenants.split(",") if t.strip())
        return named | {DEV_TENANT} if self.dev and not self.tenants_by_key else named

    @cached_property
    def merchant_of_tenant(self) -> dict[str, str]:
        """Merchant tenants -> the one `merchant_id` each may quote and book for."""
        pairs = (p.strip().partition(":") for p in self.merchant_tenants.split(",") if p.strip())
        return {tenant: merchant for tenant, _, merchant in pairs}

    @cached_property
    def centers_of_tenant(self) -> dict[str, frozenset[str]]:
        """Center-system tenants -> the centers whose returns they may report on."""
        found: dict[str, set[str]] = {}
        for tenant, _, center in (p.strip().partition(":") for p in self.center_tenants.split(",") if p.strip()):
            found.setdefault(tenant, set()).add(center)
        return {tenant: frozenset(centers) for tenant, centers in found.items()}

    @cached_property
    def webhook_endpoints(self) -> dict[str, Endpoint]:
        """Tenant -> its webhook endpoint (`BACKHAUL_WEBHOOKS`)."""
        table = json.loads(self.webhooks) if self.webhooks else {}
        return {tenant: Endpoint(entry["url"], entry["secret"]) for tenant, entry in table.items()}

    @field_validator("webhooks")
    @classmethod
    def _webhooks_are_endpoints(cls, value: str) -> str:
        if not value:
            return value
        shape = 'a JSON object {"tenant": {"url": "https://...", "secret": "at least 32 characters"}}'
        table = _json_object(value, shape)
        for tenant, entry in table.items():
            if not isinstance(entry, dict) or set(entry) != {"url", "secret"}:
                raise ValueError(f"{tenant}: {shape}")
            if not re.fullmatch(r"https?://[^\s]+", str(entry["url"])):
                raise ValueError(f"{tenant}: url must be http:// or https://")
            if not isinstance(entry["secret"], str) or len(entry["secret"]) < 32:
                raise ValueError(f"{tenant}: secret must be at least 32 characters")
        return value

    def check_center_tenants(self, centers: Iterable[str]) -> None:
        """Every center named in `BACKHAUL_CENTER_TENANTS` is one of the region's (a ValidationError naming it)."""
        known = set(centers)
        for tenant, named in self.centers_of_tenant.items():
            unknown = sorted(named - known)
            if unknown:
                reason = f"{tenant}: {unknown[0]} is not a center of {self.region} (its centers: {sorted(known)})"
                raise ValidationError("BACKHAUL_CENTER_TENANTS", reason)

    @field_validator("merchant_tenants", "center_tenants")
    @classmethod
    def _tenants_are_pairs(cls, value: str) -> str:
        for pair in filter(None, (p.strip() for p in value.split(","))):
            tenant, _, named = pair.partition(":")
            if not tenant or not named:
                raise ValueError("each entry must be tenant:id (a merchant_id or a center id)")
        return value

    def tenant_of(self, api_key: str | None) -> str | None:
        """The tenant an API key belongs to (compared by hash), `dev` in development mode, else None."""
        if self.dev and not self.tenants_by_key:
            return DEV_TENANT
        return self.tenants_by_key.get(key_hash(api_key or ""))

    @classmethod
    def from_environment(cls) -> Settings:
        """The settings from the environment; a `BACKHAUL_*` variable that is no setting is an error.

        Raises
        ------
        ValueError
            Naming the unknown variable (a typo must not leave a setting at its default).
        """
        known = {f"BACKHAUL_{name.upper()}" for name in cls.model_fields} | TOOL_VARIABLES
        unknown = sorted(name for name in os.environ if name.startswith("BACKHAUL_") and name not in known)
        if unknown:
            raise ValueError(f"{unknown[0]}: not a setting (misspelt? the settings are in docs/api.md)")
        return cls()

    def fleet(self) -> FleetSpec:
        """The day's fleet these settings describe."""
        capacity = Load(self.vehicle_weight_g, self.vehicle_volume_cm3, self.vehicle_parcels)
        return FleetSpec(
            self.couriers_per_depot, TimeWindow(self.shift_start_s, self.shift_end_s), VehicleType(capacity=capacity)
        )

    def slot_policy(self) -> SlotPolicy:
        """The slot grid, cut-off and green threshold these settings describe."""
        grid = SlotGrid(self.slot_opens_s, self.slot_closes_s, self.slot_length_s)
        return SlotPolicy(grid, cutoff_s=self.cutoff_s, green_added_s=self.green_added_s)

    @property
    def wait_cents_per_day(self) -> int:
        """The price of a day's wait when choosing a center-day: the delay cost plus the hold."""
        return self.delay_cents_per_day + self.hold_cents_per_day

    def capacity_overrides(self) -> dict[date | None, dict[str, int]]:
        """`BACKHAUL_CENTER_CAPACITY` as {date or None: {"C1" or "C1/category": returns}}."""
        table = json.loads(self.center_capacity) if self.center_capacity else {}
        return {None if key == "default" else date.fromisoformat(key): dict(v) for key, v in table.items()}

    @field_validator("center_capacity")
    @classmethod
    def _capacity_is_a_table(cls, value: str) -> str:
        if not value:
            return value
        shape = 'a JSON object {"default" or "YYYY-MM-DD": {"center[/category]": returns}}'
        table = _json_object(value, shape)
        try:
            for key in (key for key in table if key != "default"):
                date.fromisoformat(key)
        except ValueError:
            raise ValueError(shape) from None
        if not all(isinstance(entries, dict) for entries in table.values()):
            raise ValueError(shape)
        return value

    def policies(self) -> PolicyBook:
        """The default return policy and the merchants' own (`BACKHAUL_MERCHANT_POLICIES`)."""
        merchants = json.loads(self.merchant_policies) if self.merchant_policies else {}
        return PolicyBook(merchants={m: ReturnPolicy(**terms) for m, terms in merchants.items()})
