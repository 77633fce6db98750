"""review edits: a partner's edit of a kit text in review, beside the kit's own text

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import campaign_engine.db.base

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_edits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("kit_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("asset", sa.String(length=64), nullable=False),
        sa.Column("field", sa.String(length=100), nullable=False),
        sa.Column("original", sa.Text(), nullable=False),
        sa.Column("edited", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("at", campaign_engine.db.base.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_review_edits_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(["kit_id"], ["kits.id"], name=op.f("fk_review_edits_kit_id_kits")),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_review_edits_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_edits")),
    )
    with op.batch_alter_table("review_edits", schema=None) as batch_op:
        batch_op.create_index("ix_review_edits_campaign", ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_review_edits_kit_id"), ["kit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review_edits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_edits_kit_id"))
        batch_op.drop_index("ix_review_edits_campaign")
    op.drop_table("review_edits")
