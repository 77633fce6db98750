"""the campaign index covers the report: (campaign_id, status, partner_id, channel), so a
million-email campaign's counts per partner, channel and status are one index-only scan
(the report read the table itself, 1.3 s)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 14:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_deliveries_campaign_status", table_name="deliveries")
    op.create_index(
        "ix_deliveries_campaign_status",
        "deliveries",
        ["campaign_id", "status", "partner_id", "channel"],
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_campaign_status", table_name="deliveries")
    op.create_index("ix_deliveries_campaign_status", "deliveries", ["campaign_id", "status"])
