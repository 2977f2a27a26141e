"""Idempotency keys, quote uses, prices, job codes, and a place at a center for every return.

Idempotency keys keep their first response; a quote is used once; bookings keep their price; jobs
keep a code; every return (pickup or drop-off) reserves a place at a processing center for one day.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the idempotency table, the booking's price and quote, the job's error code; drop the old key columns."""
    op.create_table(
        "idempotency_keys",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "key"),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])
    op.create_table(
        "quote_uses",
        sa.Column("quote_hash", sa.String(length=64), nullable=False),
        sa.Column("return_id", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("quote_hash"),
    )
    op.create_table(
        "center_days",
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("center_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("region", "center_id", "day", "category"),
    )
    op.create_table(
        "dropoffs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("point_id", sa.String(length=64), nullable=False),
        sa.Column("parcels", sa.JSON(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("merchant_id", sa.String(length=100), nullable=False),
        sa.Column("center_id", sa.String(length=64), nullable=False),
        sa.Column("processing_date", sa.Date(), nullable=False),
        sa.Column("haul_m", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payers", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dropoffs_tenant", "dropoffs", ["tenant"])
    with op.batch_alter_table("bookings") as batch:
        batch.drop_constraint("uq_booking_idempotency", type_="unique")
        batch.drop_column("idempotency_key")
        batch.drop_column("request_hash")
        batch.add_column(sa.Column("return_id", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("processing_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("origin_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("amount_cents", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("currency", sa.String(length=3), nullable=True))
        batch.add_column(sa.Column("payers", sa.JSON(), nullable=True))
        batch.create_unique_constraint("uq_booking_return", ["return_id"])
    with op.batch_alter_table("plan_jobs") as batch:
        batch.add_column(sa.Column("code", sa.String(length=40), nullable=True))
    op.create_index("ix_plan_jobs_region_day", "plan_jobs", ["region", "day"])


def downgrade() -> None:
    """Back to bookings that carry their idempotency key."""
    op.drop_index("ix_plan_jobs_region_day", "plan_jobs")
    with op.batch_alter_table("plan_jobs") as batch:
        batch.drop_column("code")
    with op.batch_alter_table("bookings") as batch:
        batch.drop_constraint("uq_booking_return", type_="unique")
        for column in ("payers", "currency", "amount_cents", "origin_id", "processing_date", "return_id"):
            batch.drop_column(column)
        batch.add_column(sa.Column("request_hash", sa.String(length=64), nullable=False, server_default=""))
        batch.add_column(sa.Column("idempotency_key", sa.String(length=200), nullable=True))
        batch.create_unique_constraint("uq_booking_idempotency", ["tenant", "idempotency_key"])
    op.drop_index("ix_dropoffs_tenant", "dropoffs")
    for table in ("dropoffs", "center_days", "quote_uses"):
        op.drop_table(table)
    op.drop_index("ix_idempotency_keys_created_at", "idempotency_keys")
    op.drop_table("idempotency_keys")
