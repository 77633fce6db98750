"""lead intake: a landing lead's hashed client and network, and what a held or
unconfirmed lead's visitor gave until it counts

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 05:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("network", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("pending", sa.JSON(), nullable=True))
        batch_op.create_index("ix_leads_partner_received", ["partner_id", "received_at"])


def downgrade() -> None:
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_partner_received")
        batch_op.drop_column("pending")
        batch_op.drop_column("network")
        batch_op.drop_column("client")
