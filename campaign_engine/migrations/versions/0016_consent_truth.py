"""consent truth: optional campaign default, review deadlines and approvals, partner-facing
titles, banner priority and a partner's pinned banner campaign

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import campaign_engine.db.base

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.alter_column(
            "consent_default", existing_type=sa.String(length=8), nullable=True, server_default=None
        )
        batch_op.add_column(sa.Column("partner_title", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("partner_description", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("banner_priority", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("review_by", campaign_engine.db.base.UtcDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("approved_at", campaign_engine.db.base.UtcDateTime(), nullable=True)
        )
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("banner_campaign_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_partners_banner_campaign_id_campaigns",
            "campaigns",
            ["banner_campaign_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_constraint("fk_partners_banner_campaign_id_campaigns", type_="foreignkey")
        batch_op.drop_column("banner_campaign_id")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("approved_at")
        batch_op.drop_column("review_by")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("banner_priority")
        batch_op.drop_column("partner_description")
        batch_op.drop_column("partner_title")
        batch_op.execute(
            "UPDATE campaigns SET consent_default = 'auto' WHERE consent_default IS NULL"
        )
        batch_op.alter_column(
            "consent_default",
            existing_type=sa.String(length=8),
            nullable=False,
            server_default="auto",
        )
