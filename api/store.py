"""Storage (SQLAlchemy 2): the database of `api.tables` (SQLite or PostgreSQL), its sessions and locks.

Writes that change a day's plan are serialised by the database, not by a Python lock, so they stay
correct with several worker processes: PostgreSQL locks the day's plan row (`SELECT ... FOR
UPDATE`); SQLite (WAL mode, full fsync) starts every write transaction with `BEGIN IMMEDIATE`,
which takes the database's write lock up front, after the writer's turn (`WriteTurns`: a file lock
beside the database, so the next writer of any worker goes in at once). Reads never wait for writers.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import date
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    Engine,
    create_engine,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError, TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session, sessionmaker

from api.config import Settings
from api.tables import Base, DayPlanRow, SecretRow

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_BUSY_S = 60
"""How long a SQLite writer waits for its turn before it gives up."""
PLAN_QUEUE_LOCK = 0x6261636B68  # "backh": the advisory lock id of the plan-job queue


def _sqlite_engine(url: str, *, immediate: bool) -> Engine:
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_S, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_S * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class WriteTurns:
    """SQLite's writers, one at a time: threads queue on a lock, processes on a file lock beside the database.

    Without it, a writer that finds the database locked sleeps in SQLite's busy handler (1, 2, 5 ...
    up to 100 ms between tries) and the write lock sits idle between writers; here the next writer
    is let in within half a millisecond. After `timeout_s` it gives up (503), as the busy handler did.
    """

    def __init__(self, database: str | None, timeout_s: float) -> None:
        self._thread = threading.Lock()
        self._timeout_s = timeout_s
        self._file = os.open(f"{database}.write-lock", os.O_RDWR | os.O_CREAT, 0o600) if database else None

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold the turn for the block."""
        deadline = time.monotonic() + self._timeout_s
        if not self._thread.acquire(timeout=self._timeout_s):
            raise PoolTimeoutError(f"no SQLite write turn within {self._timeout_s:g} s")
        try:
            if self._file is not None:
                self._lock_file(deadline)
            try:
                yield
            finally:
                if self._file is not None:
                    fcntl.flock(self._file, fcntl.LOCK_UN)
        finally:
            self._thread.release()

    def close(self) -> None:
        """Close the lock file (a later turn is taken by threads alone)."""
        if self._file is not None:
            os.close(self._file)
            self._file = None

    def _lock_file(self, deadline: float) -> None:
        assert self._file is not None
        while True:
            try:
                fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise PoolTimeoutError(f"no SQLite write turn within {self._timeout_s:g} s") from None
                time.sleep(0.0005)


class Store:
    """The database behind the service; `read()` and `write()` give transactional sessions."""

    def __init__(
        self, url: str, *, pool_size: int = 10, lock_timeout_ms: int = 5000, statement_timeout_ms: int = 30000
    ) -> None:
        """Open `url`; on PostgreSQL, `pool_size` connections and the lock and statement timeouts."""
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self._turns: WriteTurns | None = None
        if self.is_sqlite:
            self._read_engine = _sqlite_engine(url, immediate=False)
            self._write_engine = _sqlite_engine(url, immediate=True)
            database = self._write_engine.url.database
            self._turns = WriteTurns(database if database and database != ":memory:" else None, SQLITE_BUSY_S)
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
        """A write transaction: committed on success, rolled back on any exception (on SQLite, one at a time)."""
        with self._turns.turn() if self._turns else nullcontext(), self._writes() as session, session.begin():
            yield session

    def insert(
        self, session: Session, model: type[Base], values: dict[str, Any], *, replace: Sequence[str] = ()
    ) -> int:
        """Insert a row in one statement; on a primary-key conflict, set the `replace` columns (or keep the row).

        The number of rows written: 0 when a conflict kept the row.
        """
        statement = (sqlite_insert if self.is_sqlite else pg_insert)(model).values(**values)
        keys = inspect(model).primary_key
        if replace:
            set_ = {c: values[c] for c in replace}
            statement = statement.on_conflict_do_update(index_elements=[c.name for c in keys], set_=set_)
        else:
            statement = statement.on_conflict_do_nothing()
        return len(session.execute(statement.returning(keys[0])).all())

    def lock_day(self, session: Session, region: str, day: date) -> DayPlanRow:
        """The day's row, created if missing, locked until the transaction ends."""
        query = select(DayPlanRow).where(DayPlanRow.region == region, DayPlanRow.day == day).with_for_update()
        found = session.execute(query).scalar_one_or_none()
        if found is not None:
            return found
        self.insert(session, DayPlanRow, {"region": region, "day": day, "version": 0})
        return session.execute(query).scalar_one()

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
        """Close every pooled connection (and, on SQLite, the lock file of the write turns)."""
        self._read_engine.dispose()
        self._write_engine.dispose()
        if self._turns is not None:
            self._turns.close()
