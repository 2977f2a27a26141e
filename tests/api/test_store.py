"""The store's migrations keep data: a database at the first schema upgrades with its plans intact."""

from __future__ import annotations

import json
from datetime import date

from alembic import command
from alembic.config import Config
from sqlalchemy import select, text

from api.store import MIGRATIONS, DayPlanRow, DayRouteRow, Store


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
