"""ledger reasons: why a delivery was not sent, and what the planner did not plan

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import campaign_engine.db.base

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

Utc = campaign_engine.db.base.UtcDateTime


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("reason", sa.String(length=24), nullable=True))
    # Rows written before the column: their reason, from the words the engine wrote then.
    for words, code in (
        ("campaign cancelled", "cancelled"),
        ("partner opted out", "opted_out"),
        ("recipient unsubscribed or bounced", "suppressed"),
        ("not approved before the deadline", "not_approved"),
        ("skipped by the partner in review", "declined_in_review"),
    ):
        op.execute(
            sa.text(
                "UPDATE deliveries SET reason = :code WHERE status = 'skipped' AND last_error = :w"
            ).bindparams(code=code, w=words)
        )
    op.execute(
        "UPDATE deliveries SET reason = 'missing_field' "
        "WHERE status = 'failed' AND last_error LIKE '%profile lacks%'"
    )
    op.execute(
        "UPDATE deliveries SET reason = 'send_failed' WHERE status = 'failed' AND reason IS NULL"
    )
    op.create_table(
        "not_planned",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=True),
        sa.Column("recorded_at", Utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_not_planned_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_not_planned_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_not_planned")),
        sa.UniqueConstraint(
            "campaign_id",
            "partner_id",
            "channel",
            "recipient",
            name=op.f("uq_not_planned_campaign_id_partner_id_channel_recipient"),
        ),
    )
    op.create_index(op.f("ix_not_planned_campaign_id"), "not_planned", ["campaign_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_not_planned_campaign_id"), table_name="not_planned")
    op.drop_table("not_planned")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("reason")
