"""Idempotency keys keep their first response; bookings keep their price and their quote; jobs keep a code.

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
    with op.batch_alter_table("bookings") as batch:
        batch.drop_constraint("uq_booking_idempotency", type_="unique")
        batch.drop_column("idempotency_key")
        batch.drop_column("request_hash")
        batch.add_column(sa.Column("quote_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("amount_cents", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("currency", sa.String(length=3), nullable=True))
        batch.add_column(sa.Column("payers", sa.JSON(), nullable=True))
        batch.create_unique_constraint("uq_booking_quote", ["quote_hash"])
    with op.batch_alter_table("plan_jobs") as batch:
        batch.add_column(sa.Column("code", sa.String(length=40), nullable=True))
    op.create_index("ix_plan_jobs_region_day", "plan_jobs", ["region", "day"])


def downgrade() -> None:
    """Back to bookings that carry their idempotency key."""
    op.drop_index("ix_plan_jobs_region_day", "plan_jobs")
    with op.batch_alter_table("plan_jobs") as batch:
        batch.drop_column("code")
    with op.batch_alter_table("bookings") as batch:
        batch.drop_constraint("uq_booking_quote", type_="unique")
        for column in ("payers", "currency", "amount_cents", "quote_hash"):
            batch.drop_column(column)
        batch.add_column(sa.Column("request_hash", sa.String(length=64), nullable=False, server_default=""))
        batch.add_column(sa.Column("idempotency_key", sa.String(length=200), nullable=True))
        batch.create_unique_constraint("uq_booking_idempotency", ["tenant", "idempotency_key"])
    op.drop_index("ix_idempotency_keys_created_at", "idempotency_keys")
    op.drop_table("idempotency_keys")
