"""delivery indexes: the dispatcher's whole ORDER BY, so a claim stops at its LIMIT; a
partner's own rows (daily caps per channel, its portal) without scanning every campaign;
whether a campaign has open rows in one probe

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 16:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_deliveries_claim", table_name="deliveries")
    op.create_index(
        "ix_deliveries_claim", "deliveries", ["status", "due_at", "partner_id", "channel"]
    )
    op.create_index("ix_deliveries_partner", "deliveries", ["partner_id", "channel", "status"])
    op.create_index("ix_deliveries_campaign_status", "deliveries", ["campaign_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_campaign_status", table_name="deliveries")
    op.drop_index("ix_deliveries_partner", table_name="deliveries")
    op.drop_index("ix_deliveries_claim", table_name="deliveries")
    op.create_index("ix_deliveries_claim", "deliveries", ["status", "due_at"])
