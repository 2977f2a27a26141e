"""Merchant return rules: every saved rule file, versioned per merchant (the newest one applies).

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
    """Create `merchant_rules`: one row per saved version, never changed afterwards."""
    op.create_table(
        "merchant_rules",
        sa.Column("merchant_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("saved_by", sa.String(length=64), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("merchant_id", "version"),
    )


def downgrade() -> None:
    """Drop the saved rules."""
    op.drop_table("merchant_rules")
