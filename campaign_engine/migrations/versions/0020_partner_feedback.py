"""partner feedback: reasons for opting out, skipping and pausing, asset ratings, replies

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 03:01:04.279847
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import campaign_engine.db.base

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partner_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("asset", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=True),
        sa.Column("useful", sa.Boolean(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("at", campaign_engine.db.base.UtcDateTime(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("replied_by", sa.String(length=254), nullable=True),
        sa.Column("replied_at", campaign_engine.db.base.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_partner_feedback_campaign_id_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_partner_feedback_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_feedback")),
    )
    with op.batch_alter_table("partner_feedback", schema=None) as batch_op:
        batch_op.create_index("ix_partner_feedback_campaign", ["campaign_id", "kind"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("partner_feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_partner_feedback_campaign")

    op.drop_table("partner_feedback")
