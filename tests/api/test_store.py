"""The store's migrations keep data: plans from the first schema, returns for the bookings and drop-offs."""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, insert, select, text
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from api.store import MIGRATIONS, Store, WriteTurns
from api.tables import DayPlanRow, DayRouteRow, ReturnRow


def _config(connection: object) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def test_upgrading_from_whole_day_plans_keeps_every_route(database_url: str) -> None:
    store = Store(database_url)
    with store._write_engine.begin() as connection:
        command.upgrade(_config(connection), "0001")
        route = {"end_leg": [0, 0], "stops": [["pk_1", 7, 3.5, 32400, 39600, 180, [800, 4000, 1], [], 420, 2100]]}
        plan = {"D1-van1": route, "D2-van1": {"end_leg": [0, 0], "stops": []}}
        connection.execute(
            text("INSERT INTO day_plans (region, day, version, plan) VALUES (:r, :d, 3, :p)"),
            {"r": "shanghai-central", "d": date(2026, 12, 1), "p": json.dumps(plan)},
        )
    store.migrate()
    with store.read() as session:
        rows = session.execute(select(DayRouteRow)).scalars().all()
        day = session.execute(select(DayPlanRow)).scalar_one()
    assert [(r.courier_id, r.version, r.route) for r in rows] == [("D1-van1", 3, route)]
    assert day.version == 3
    store.dispose()


def test_upgrading_gives_every_existing_booking_and_drop_off_its_return(database_url: str) -> None:
    store = Store(database_url)
    created = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    common: dict[str, object] = {
        "tenant": "platform",
        "region": "shanghai-central",
        "parcels": [],
        "category": "apparel",
    }
    common |= {"reason": "size_or_fit", "merchant_id": "m-1", "haul_m": 1000, "created_at": created}
    with store._write_engine.begin() as connection:
        command.upgrade(_config(connection), "0004")
        tables = MetaData()
        tables.reflect(connection)
        for pickup, status in (("pk_1", "booked"), ("pk_2", "cancelled"), ("pk_3", "displaced")):
            connection.execute(
                insert(tables.tables["bookings"]).values(
                    id=pickup,
                    return_id=f"rt_{pickup}",
                    day=date(2026, 11, 21),
                    slot_start_s=32400,
                    slot_end_s=39600,
                    lat=31.23,
                    lon=121.47,
                    insured=False,
                    status=status,
                    updated_at=created,
                    **common,
                )
            )
        connection.execute(
            insert(tables.tables["dropoffs"]).values(
                id="rt_d",
                point_id="P1",
                center_id="C1",
                processing_date=date(2026, 11, 21),
                amount_cents=500,
                currency="CNY",
                payers=[],
                **common,
            )
        )
    store.migrate()
    with store.read() as session:
        found = {
            r.return_id: (r.method, r.status, r.day, r.pickup_id) for r in session.execute(select(ReturnRow)).scalars()
        }
    assert found == {
        "rt_pk_1": ("pickup", "pickup_booked", date(2026, 11, 21), "pk_1"),
        "rt_pk_2": ("pickup", "cancelled", date(2026, 11, 21), "pk_2"),
        "rt_pk_3": ("pickup", "pickup_booked", date(2026, 11, 21), "pk_3"),
        "rt_d": ("drop_off", "drop_off_registered", date(2026, 11, 20), None),
    }
    store.dispose()


def test_sqlite_writers_of_two_processes_take_turns_and_give_up_after_the_timeout(tmp_path: Path) -> None:
    # two turn-keepers on one file stand for two worker processes (each opens the lock file itself)
    database = str(tmp_path / "turns.db")
    first, second = WriteTurns(database, timeout_s=0.2), WriteTurns(database, timeout_s=0.2)
    with first.turn(), pytest.raises(PoolTimeoutError, match="no SQLite write turn"), second.turn():
        pass
    with second.turn():  # the turn is given back at the end of the block
        pass


def test_a_sqlite_write_waits_for_the_write_of_another_store_and_then_runs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'turns.db'}"
    one, other = Store(url), Store(url)
    one.migrate()
    spans: dict[str, tuple[float, float]] = {}
    entered = threading.Event()

    def write(store: Store, name: str, hold_s: float) -> None:
        with store.write() as session:
            began = time.monotonic()
            entered.set()
            session.execute(insert(DayPlanRow).values(region=name, day=date(2026, 12, 1), version=1))
            time.sleep(hold_s)
        spans[name] = (began, time.monotonic())

    holder = threading.Thread(target=write, args=(one, "first", 0.3))
    holder.start()
    entered.wait(5)
    write(other, "second", 0.0)
    holder.join()
    assert spans["second"][0] >= spans["first"][1] - 0.01  # it entered only once the first had committed
    with other.read() as session:
        assert set(session.execute(select(DayPlanRow.region)).scalars()) == {"first", "second"}
    one.dispose()
    other.dispose()


def test_a_disposed_sqlite_store_leaves_no_file_open(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'turns.db'}"
    lock_file = str(tmp_path / "turns.db.write-lock")

    def open_lock_files() -> int:
        return sum(os.path.realpath(f"/proc/self/fd/{fd}") == lock_file for fd in os.listdir("/proc/self/fd"))

    store = Store(url)
    store.migrate()
    assert open_lock_files() == 1  # the store holds its turns' file while it is in use
    store.dispose()
    assert open_lock_files() == 0
