"""Storage (SQLAlchemy 2): bookings, day plans (route by route), plan jobs and secrets, in SQLite or PostgreSQL.

Writes that change a day's plan are serialised by the database, not by a Python lock, so they stay
correct with several worker processes: PostgreSQL locks the day's plan row (`SELECT ... FOR
UPDATE`); SQLite (WAL mode, full fsync) starts every write transaction with `BEGIN IMMEDIATE`,
which takes the database's write lock up front. Reads never wait for writers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Engine,
    Float,
    Index,
    Integer,
    String,
    UniqueConstraint,
    create_engine,
    event,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from api.config import Settings

MIGRATIONS = Path(__file__).with_name("migrations")
PLAN_QUEUE_LOCK = 0x6261636B68  # "backh": the advisory lock id of the plan-job queue


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


def _sqlite_engine(url: str, *, immediate: bool) -> Engine:
    engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Store:
    """The database behind the service; `read()` and `write()` give transactional sessions."""

    def __init__(
        self, url: str, *, pool_size: int = 10, lock_timeout_ms: int = 5000, statement_timeout_ms: int = 30000
    ) -> None:
        """Open `url`; on PostgreSQL, `pool_size` connections and the lock and statement timeouts."""
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self._read_engine = _sqlite_engine(url, immediate=False)
            self._write_engine = _sqlite_engine(url, immediate=True)
        else:
            options = f"-c lock_timeout={lock_timeout_ms} -c statement_timeout={statement_timeout_ms}"
            self._read_engine = self._write_engine = create_engine(
                url,
                pool_pre_ping=True,
                pool_size=pool_size,
                max_overflow=0,
                pool_timeout=10,
                connect_args={"options": options, "connect_timeout": 5},
            )
        self._reads = sessionmaker(self._read_engine, expire_on_commit=False)
        self._writes = sessionmaker(self._write_engine, expire_on_commit=False)

    @classmethod
    def of(cls, settings: Settings) -> Store:
        """The store the settings name: a pool as large as the worker's threads, the database timeouts."""
        return cls(
            settings.database_url,
            pool_size=settings.worker_threads,
            lock_timeout_ms=settings.db_lock_timeout_ms,
            statement_timeout_ms=settings.db_statement_timeout_ms,
        )

    def migrate(self) -> None:
        """Bring the schema to the newest migration (alembic)."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        with self._write_engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reads (no lock taken; closed at the end of the block)."""
        with self._reads() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: committed on success, rolled back on any exception."""
        with self._writes() as session, session.begin():
            yield session

    def lock_day(self, session: Session, region: str, day: date) -> DayPlanRow:
        """The day's row, created if missing, locked until the transaction ends."""
        insert = sqlite_insert if self.is_sqlite else pg_insert
        statement = insert(DayPlanRow).values(region=region, day=day, version=0)
        session.execute(statement.on_conflict_do_nothing(index_elements=["region", "day"]))
        query = select(DayPlanRow).where(DayPlanRow.region == region, DayPlanRow.day == day)
        return session.execute(query.with_for_update()).scalar_one()

    def lock_queue(self, session: Session) -> None:
        """Serialise decisions about the plan-job queue until the transaction ends.

        PostgreSQL: a transaction-scoped advisory lock; SQLite: the write transaction holds the database lock.
        """
        if not self.is_sqlite:
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PLAN_QUEUE_LOCK})

    def secret(self, name: str) -> bytes:
        """A secret the migrations stored (shared by every worker, kept across restarts)."""
        with self.read() as session:
            row = session.get(SecretRow, name)
        if row is None:
            raise RuntimeError(f"secret {name!r} is missing: run the migrations")
        return bytes.fromhex(row.value)

    def unavailable(self) -> str | None:
        """None when the database answers a query; else the kind of error."""
        try:
            with self._read_engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            return type(error).__name__
        return None

    def dispose(self) -> None:
        """Close every pooled connection."""
        self._read_engine.dispose()
        self._write_engine.dispose()
