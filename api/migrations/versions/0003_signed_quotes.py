"""Quotes become signed ids: drop the quotes table, keep the signing secret in the database.

Revision ID: 0003
Revises: 0002
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the secrets table with the quote-signing key."""
    op.create_table(
        "service_secrets",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    table = sa.table("service_secrets", sa.column("name", sa.String), sa.column("value", sa.String))
    op.get_bind().execute(table.insert(), [{"name": "quote_signing", "value": secrets.token_hex(32)}])
    op.drop_table("quotes")  # quotes lived 15 minutes; none is worth keeping


def downgrade() -> None:
    """Drop the secrets table."""
    op.create_table(
        "quotes",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_quotes_tenant", "quotes", ["tenant"])
    op.drop_table("service_secrets")
