"""Returns with their journey status, the append-only log of what happened to each, and the webhook outbox.

`returns` holds one row per return (pickup or drop-off) with its status and failed pickup
attempts; `return_events` keeps every event as it came in, and the database itself refuses to
update or delete one; `webhook_outbox` holds the notifications of those events until each tenant's
endpoint has taken them. Bookings gain an exchange's `delivery_parcels`. Existing bookings and
drop-offs get their return rows (their `day`, for a drop-off, is the UTC date it was registered).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_SQLITE_GUARDS = [
    f"CREATE TRIGGER return_events_no_{verb.lower()} BEFORE {verb} ON return_events "
    "BEGIN SELECT RAISE(ABORT, 'return_events is append-only'); END"
    for verb in ("UPDATE", "DELETE")
]
_POSTGRES_GUARD = [
    "CREATE FUNCTION return_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'return_events is append-only'; END $$",
    "CREATE TRIGGER return_events_append_only BEFORE UPDATE OR DELETE ON return_events "
    "FOR EACH ROW EXECUTE FUNCTION return_events_append_only()",
]


def upgrade() -> None:
    """Create `returns` (filled from the bookings and drop-offs), the append-only `return_events`, the outbox."""
    op.create_table(
        "returns",
        sa.Column("return_id", sa.String(length=40), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("merchant_id", sa.String(length=100), nullable=False),
        sa.Column("pickup_id", sa.String(length=40), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("return_id"),
    )
    op.create_index("ix_returns_tenant_created", "returns", ["tenant", "created_at", "return_id"])
    op.create_index("ix_returns_day", "returns", ["day"])
    op.create_index("ix_returns_status", "returns", ["status"])
    op.create_table(
        "return_events",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("return_id", sa.String(length=40), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=24), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("posted_by", sa.String(length=64), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("return_id", "event_id", name="uq_return_event"),
    )
    op.create_index("ix_return_events_return_id", "return_events", ["return_id"])
    op.create_table(
        "webhook_outbox",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("event_id"),
    )
    op.create_index("ix_webhook_outbox_due", "webhook_outbox", ["delivered_at", "failed_at", "next_attempt_at"])
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("delivery_parcels", sa.JSON(), nullable=True))
    bind = op.get_bind()
    for statement in _SQLITE_GUARDS if bind.dialect.name == "sqlite" else _POSTGRES_GUARD:
        op.execute(statement)
    op.execute(
        "INSERT INTO returns (return_id, tenant, region, method, merchant_id, pickup_id, day, status,"
        " failed_attempts, created_at, updated_at)"
        " SELECT return_id, tenant, region, 'pickup', merchant_id, id, day,"
        " CASE WHEN status = 'cancelled' THEN 'cancelled' ELSE 'pickup_booked' END, 0, created_at, updated_at"
        " FROM bookings WHERE return_id IS NOT NULL"
    )
    registered = "date(created_at)" if bind.dialect.name == "sqlite" else "CAST(created_at AS DATE)"
    op.execute(
        "INSERT INTO returns (return_id, tenant, region, method, merchant_id, pickup_id, day, status,"
        " failed_attempts, created_at, updated_at)"
        f" SELECT id, tenant, region, 'drop_off', merchant_id, NULL, {registered},"
        " 'drop_off_registered', 0, created_at, created_at FROM dropoffs"
    )


def downgrade() -> None:
    """Drop the returns, their events and the outbox."""
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER return_events_append_only ON return_events")
        op.execute("DROP FUNCTION return_events_append_only()")
    with op.batch_alter_table("bookings") as batch:
        batch.drop_column("delivery_parcels")
    op.drop_index("ix_webhook_outbox_due", "webhook_outbox")
    op.drop_table("webhook_outbox")
    op.drop_index("ix_return_events_return_id", "return_events")
    op.drop_table("return_events")
    for index in ("ix_returns_status", "ix_returns_day", "ix_returns_tenant_created"):
        op.drop_index(index, "returns")
    op.drop_table("returns")
