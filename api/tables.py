"""The service's tables (SQLAlchemy 2 declarative rows); `api.store` opens the database they live in."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """The declarative base of the service's tables."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class DayPlanRow(Base):
    """One region's day: the row writers lock; `version` grows with every change to any route."""

    __tablename__ = "day_plans"
    region: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class DayRouteRow(Base):
    """One courier's route on one day (a booking rewrites only the route it joins)."""

    __tablename__ = "day_routes"
    region: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    courier_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    route: Mapped[dict[str, Any]]


class BookingRow(Base):
    """A doorstep pickup (booked, picked_up, failed, cancelled or displaced): its return, price and center-day."""

    __tablename__ = "bookings"
    __table_args__ = (UniqueConstraint("return_id", name="uq_booking_return"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    return_id: Mapped[str | None] = mapped_column(String(40))
    processing_date: Mapped[date | None] = mapped_column(Date)
    origin_id: Mapped[str | None] = mapped_column(String(64))
    """The depot its parcel leaves from to the center (the address's nearest)."""
    amount_cents: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str | None] = mapped_column(String(3))
    payers: Mapped[list[Any] | None]
    region: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date, index=True)
    slot_start_s: Mapped[int] = mapped_column(Integer)
    slot_end_s: Mapped[int] = mapped_column(Integer)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    parcels: Mapped[list[Any]]
    delivery_parcels: Mapped[list[Any] | None]
    """An exchange's replacement item, handed over at the stop."""
    category: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(40))
    merchant_id: Mapped[str] = mapped_column(String(100))
    insured: Mapped[bool] = mapped_column(Boolean)
    center_id: Mapped[str | None] = mapped_column(String(64))
    haul_m: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReturnRow(Base):
    """One return, whichever way it comes back: its status on the journey (`api.journey`), for reads and lists.

    Every writer that changes a return locks this row first (then its booking, then the day), so
    events, cancellations and rebookings of one return are serialised and never deadlock.
    """

    __tablename__ = "returns"
    __table_args__ = (Index("ix_returns_tenant_created", "tenant", "created_at", "return_id"),)
    return_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(16))
    """`pickup` or `drop_off`."""
    merchant_id: Mapped[str] = mapped_column(String(100))
    pickup_id: Mapped[str | None] = mapped_column(String(40))
    day: Mapped[date] = mapped_column(Date, index=True)
    """The pickup's day, or the local date the drop-off was registered: what lists filter by."""
    status: Mapped[str] = mapped_column(String(24), index=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReturnEventRow(Base):
    """What happened to a return, append-only (the database refuses updates and deletes): one row per event."""

    __tablename__ = "return_events"
    __table_args__ = (UniqueConstraint("return_id", "event_id", name="uq_return_event"),)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    return_id: Mapped[str] = mapped_column(String(40), index=True)
    event_id: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    detail: Mapped[dict[str, Any]]
    """`reason` of a failed pickup; `grade` and `disposition` of an inspection; `slot_id` of a rebooking."""
    posted_by: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WebhookOutboxRow(Base):
    """A notification to a tenant's webhook, written with the change it reports; delivered at least once."""

    __tablename__ = "webhook_outbox"
    __table_args__ = (Index("ix_webhook_outbox_due", "delivered_at", "failed_at", "next_attempt_at"),)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(40), unique=True)
    tenant: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    """When it is due: the next try, or the end of the lease of the worker sending it."""
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """Set when the last attempt failed: kept for the operator, never sent again."""
    last_error: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class QuoteUseRow(Base):
    """A quote that was booked or registered (SHA-256 of its id): a quote is used once."""

    __tablename__ = "quote_uses"
    quote_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    return_id: Mapped[str] = mapped_column(String(40))


class CenterDayRow(Base):
    """Returns reserved at one center for one processing day: the total (`*`) and each category."""

    __tablename__ = "center_days"
    region: Mapped[str] = mapped_column(String(64), primary_key=True)
    center_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    used: Mapped[int] = mapped_column(Integer)


class DropOffRow(Base):
    """A return registered for a drop-off point, with its price and reserved center-day."""

    __tablename__ = "dropoffs"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    region: Mapped[str] = mapped_column(String(64))
    point_id: Mapped[str] = mapped_column(String(64))
    parcels: Mapped[list[Any]]
    category: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(40))
    merchant_id: Mapped[str] = mapped_column(String(100))
    center_id: Mapped[str] = mapped_column(String(64))
    processing_date: Mapped[date] = mapped_column(Date)
    haul_m: Mapped[int] = mapped_column(Integer)
    amount_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    payers: Mapped[list[Any]]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IdempotencyRow(Base):
    """A booking request's `Idempotency-Key`: claimed (`in_progress`), then its first response (`done`)."""

    __tablename__ = "idempotency_keys"
    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class SecretRow(Base):
    """Secrets the service keeps with its data (the quote signing key), made by the migrations."""

    __tablename__ = "service_secrets"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))


class PlanJobRow(Base):
    """A re-optimisation of one day: queued, running, done, superseded or failed."""

    __tablename__ = "plan_jobs"
    __table_args__ = (Index("ix_plan_jobs_region_day", "region", "day"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    region: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    time_limit_s: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(String(500), default="")
    code: Mapped[str | None] = mapped_column(String(40))
    """Why a failed job failed (`job_failed`, `plan_incomplete`), never exception text."""
    result: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MerchantRulesRow(Base):
    """One saved version of a merchant's return rules (the rule file as sent); the newest applies."""

    __tablename__ = "merchant_rules"
    merchant_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    saved_by: Mapped[str] = mapped_column(String(64))
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ShopperOrderRow(Base):
    """An order line the platform reported delivered: what abuse screening counts returns against."""

    __tablename__ = "shopper_orders"
    __table_args__ = (
        Index("ix_shopper_orders_account", "tenant", "account_id", "delivered_at"),
        Index("ix_shopper_orders_address", "tenant", "address_id"),
    )
    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    line: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[str] = mapped_column(String(100))
    address_id: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(40))
    value_cents: Mapped[int] = mapped_column(BigInteger)
    delivered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ShopperReturnRow(Base):
    """One item of a return registered from a quote that named its shopper, with the screening's action."""

    __tablename__ = "shopper_returns"
    __table_args__ = (
        Index("ix_shopper_returns_account", "tenant", "account_id", "requested_at"),
        Index("ix_shopper_returns_address", "tenant", "address_id"),
    )
    return_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    line: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[str] = mapped_column(String(100))
    address_id: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(40))
    value_cents: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(40))
    delivered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    screening_action: Mapped[str] = mapped_column(String(32))
