"""Merchant return rules, and the shopper history abuse screening reads.

`merchant_rules`: every saved rule file, versioned per merchant (the newest one applies).
`shopper_orders`: order lines the platform reports delivered (`POST /v1/orders`), once per line.
`shopper_returns`: the items of each return registered from a quote that named the shopper, with
the screening's action; their inspection grades are read from `return_events`.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create `merchant_rules` (one row per saved version, never changed), `shopper_orders`, `shopper_returns`."""
    op.create_table(
        "merchant_rules",
        sa.Column("merchant_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("saved_by", sa.String(length=64), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("merchant_id", "version"),
    )
    op.create_table(
        "shopper_orders",
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=100), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=100), nullable=False),
        sa.Column("address_id", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("value_cents", sa.BigInteger(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "order_id", "line"),
    )
    op.create_index("ix_shopper_orders_account", "shopper_orders", ["tenant", "account_id", "delivered_at"])
    op.create_index("ix_shopper_orders_address", "shopper_orders", ["tenant", "address_id"])
    op.create_table(
        "shopper_returns",
        sa.Column("return_id", sa.String(length=40), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=100), nullable=False),
        sa.Column("address_id", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("value_cents", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("screening_action", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("return_id", "line"),
    )
    op.create_index("ix_shopper_returns_account", "shopper_returns", ["tenant", "account_id", "requested_at"])
    op.create_index("ix_shopper_returns_address", "shopper_returns", ["tenant", "address_id"])


def downgrade() -> None:
    """Drop the saved rules and the shopper history."""
    op.drop_table("shopper_returns")
    op.drop_table("shopper_orders")
    op.drop_table("merchant_rules")
