"""erased addresses: the keyed hashes that keep an erased person from being imported or
mailed again

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 06:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import campaign_engine.db.base

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erased_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("created_at", campaign_engine.db.base.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_erased_addresses_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erased_addresses")),
    )
    with op.batch_alter_table("erased_addresses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erased_addresses_email_hash"), ["email_hash"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_erased_addresses_partner_id"), ["partner_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("erased_addresses")
