"""retries by time: a delivery's retry deadline, and why a campaign's channel waits

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-08 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import campaign_engine.db.base

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # nullable, no default: a metadata-only change on PostgreSQL and SQLite, however many
    # deliveries there are
    op.add_column(
        "deliveries",
        sa.Column("retry_until", campaign_engine.db.base.UtcDateTime(), nullable=True),
    )
    op.create_table(
        "delivery_waits",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("since", campaign_engine.db.base.UtcDateTime(), nullable=False),
        sa.Column("last_at", campaign_engine.db.base.UtcDateTime(), nullable=False),
        sa.Column("retry_until", campaign_engine.db.base.UtcDateTime(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_delivery_waits_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "channel", name=op.f("pk_delivery_waits")),
    )


def downgrade() -> None:
    op.drop_table("delivery_waits")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("retry_until")
