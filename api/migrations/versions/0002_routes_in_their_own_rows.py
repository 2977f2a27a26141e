"""Day plans route by route: a booking rewrites one route, not the whole day.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _tables() -> tuple[sa.TableClause, sa.TableClause]:
    plans = sa.table(
        "day_plans",
        sa.column("region", sa.String),
        sa.column("day", sa.Date),
        sa.column("version", sa.Integer),
        sa.column("plan", sa.JSON),
    )
    routes = sa.table(
        "day_routes",
        sa.column("region", sa.String),
        sa.column("day", sa.Date),
        sa.column("courier_id", sa.String),
        sa.column("version", sa.Integer),
        sa.column("route", sa.JSON),
    )
    return plans, routes


def upgrade() -> None:
    """Move each day plan's routes into their own rows, keeping every stored plan."""
    op.create_table(
        "day_routes",
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("courier_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("route", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("region", "day", "courier_id"),
    )
    plans, routes = _tables()
    connection = op.get_bind()
    for region, day, version, plan in connection.execute(sa.select(plans)).all():
        rows = [
            {"region": region, "day": day, "courier_id": courier, "version": version, "route": route}
            for courier, route in (plan or {}).items()
            if route.get("stops")
        ]
        if rows:
            connection.execute(routes.insert(), rows)
    with op.batch_alter_table("day_plans") as batch:
        batch.drop_column("plan")


def downgrade() -> None:
    """Put the routes back into one document per day."""
    with op.batch_alter_table("day_plans") as batch:
        batch.add_column(sa.Column("plan", sa.JSON(), nullable=False, server_default="{}"))
    plans, routes = _tables()
    connection = op.get_bind()
    gathered: dict[tuple[str, object], dict[str, object]] = {}
    for region, day, courier, _version, route in connection.execute(sa.select(routes)).all():
        gathered.setdefault((region, day), {})[courier] = route
    for (region, day), plan in gathered.items():
        where = (plans.c.region == region) & (plans.c.day == day)
        connection.execute(plans.update().where(where).values(plan=plan))
    op.drop_table("day_routes")
