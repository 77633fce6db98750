"""engine processes: heartbeats, so a dead process's delivery claims return at once

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 07:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import campaign_engine.db.base

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

Utc = campaign_engine.db.base.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "engine_processes",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", Utc(), nullable=False),
        sa.Column("heartbeat_at", Utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engine_processes")),
    )


def downgrade() -> None:
    op.drop_table("engine_processes")
