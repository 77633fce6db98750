"""partner short name and logo for dark backgrounds

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("short_name", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("logo_on_dark_png", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("logo_on_dark_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_column("logo_on_dark_sha256")
        batch_op.drop_column("logo_on_dark_png")
        batch_op.drop_column("short_name")
