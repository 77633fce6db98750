"""access model: memberships, server-side sessions, contact email confirmations

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 06:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import campaign_engine.db.base

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

Utc = campaign_engine.db.base.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("granted_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", Utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_memberships_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_memberships_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        sa.UniqueConstraint("user_id", name=op.f("uq_memberships_user_id")),
    )
    op.create_index(op.f("ix_memberships_partner_id"), "memberships", ["partner_id"])
    # Existing partner users keep their partner, now through an explicit row.
    op.execute(
        "INSERT INTO memberships (user_id, partner_id, granted_by, created_at) "
        "SELECT id, partner_id, 'migration', created_at FROM users "
        "WHERE role = 'partner' AND partner_id IS NOT NULL"
    )
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("fk_users_partner_id_partners", type_="foreignkey")
        batch.drop_column("partner_id")
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", Utc(), nullable=False),
        sa.Column("last_seen_at", Utc(), nullable=False),
        sa.Column("revoked_at", Utc(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_user_sessions_token_sha256")),
    )
    op.create_index(op.f("ix_user_sessions_user_id"), "user_sessions", ["user_id"])
    op.create_table(
        "email_confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("requested_by", sa.String(length=254), nullable=False),
        sa.Column("expires_at", Utc(), nullable=False),
        sa.Column("used_at", Utc(), nullable=True),
        sa.Column("created_at", Utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_email_confirmations_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_confirmations")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_email_confirmations_token_sha256")),
    )


def downgrade() -> None:
    op.drop_table("email_confirmations")
    op.drop_index(op.f("ix_user_sessions_user_id"), table_name="user_sessions")
    op.drop_table("user_sessions")
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("partner_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_users_partner_id_partners", "partners", ["partner_id"], ["id"], ondelete="CASCADE"
        )
    op.execute(
        "UPDATE users SET partner_id = "
        "(SELECT partner_id FROM memberships WHERE memberships.user_id = users.id)"
    )
    op.drop_index(op.f("ix_memberships_partner_id"), table_name="memberships")
    op.drop_table("memberships")
