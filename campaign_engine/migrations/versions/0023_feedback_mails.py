"""feedback mails (owner alerts, replies to partners), one rating per partner and asset,
when a partner last opened a notice link

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 05:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import campaign_engine.db.base

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=False),
        sa.Column("created_at", campaign_engine.db.base.UtcDateTime(), nullable=False),
        sa.Column("sent_at", campaign_engine.db.base.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_feedback_mails_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_mails")),
        sa.UniqueConstraint("event", "recipient", name=op.f("uq_feedback_mails_event_recipient")),
    )
    with op.batch_alter_table("feedback_mails", schema=None) as batch_op:
        batch_op.create_index("ix_feedback_mails_unsent", ["sent_at"], unique=False)
    with op.batch_alter_table("partner_feedback", schema=None) as batch_op:
        batch_op.create_index(
            "uq_partner_feedback_rating",
            ["partner_id", "campaign_id", "asset"],
            unique=True,
            sqlite_where=sa.text("kind = 'rating'"),
            postgresql_where=sa.text("kind = 'rating'"),
        )
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("notice_opened_at", campaign_engine.db.base.UtcDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_column("notice_opened_at")
    with op.batch_alter_table("partner_feedback", schema=None) as batch_op:
        batch_op.drop_index("uq_partner_feedback_rating")
    with op.batch_alter_table("feedback_mails", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_mails_unsent")
    op.drop_table("feedback_mails")
