"""market development funds: the ledger's entries, requests, claims and claim files

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 02:15:02.066066
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import campaign_engine.db.base

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mdf_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("kit_slug", sa.String(length=80), nullable=True),
        sa.Column("activity", sa.String(length=16), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("expected_outcome", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", campaign_engine.db.base.UtcDateTime(), nullable=False),
        sa.Column("submitted_at", campaign_engine.db.base.UtcDateTime(), nullable=False),
        sa.Column("due_at", campaign_engine.db.base.UtcDateTime(), nullable=False),
        sa.Column("reminded_at", campaign_engine.db.base.UtcDateTime(), nullable=True),
        sa.Column("escalated_at", campaign_engine.db.base.UtcDateTime(), nullable=True),
        sa.Column("decided_at", campaign_engine.db.base.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_mdf_requests_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_mdf_requests_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mdf_requests")),
    )
    with op.batch_alter_table("mdf_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mdf_requests_partner_id"), ["partner_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_mdf_requests_status"), ["status"], unique=False)

    op.create_table(
        "mdf_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("approved_amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("proof", sa.JSON(), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", campaign_engine.db.base.UtcDateTime(), nullable=False),
        sa.Column("decided_at", campaign_engine.db.base.UtcDateTime(), nullable=True),
        sa.Column("paid_at", campaign_engine.db.base.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_mdf_claims_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["mdf_requests.id"], name=op.f("fk_mdf_claims_request_id_mdf_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mdf_claims")),
    )
    with op.batch_alter_table("mdf_claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mdf_claims_request_id"), ["request_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mdf_claims_status"), ["status"], unique=False)

    op.create_table(
        "mdf_claim_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", campaign_engine.db.base.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["mdf_claims.id"],
            name=op.f("fk_mdf_claim_files_claim_id_mdf_claims"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mdf_claim_files")),
    )
    with op.batch_alter_table("mdf_claim_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mdf_claim_files_claim_id"), ["claim_id"], unique=False)

    op.create_table(
        "mdf_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("claim_id", sa.Integer(), nullable=True),
        sa.Column("rule", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", campaign_engine.db.base.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["mdf_claims.id"], name=op.f("fk_mdf_entries_claim_id_mdf_claims")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_mdf_entries_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["mdf_requests.id"], name=op.f("fk_mdf_entries_request_id_mdf_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mdf_entries")),
    )
    with op.batch_alter_table("mdf_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mdf_entries_funds", ["partner_id", "period", "currency"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("mdf_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_mdf_entries_funds")

    op.drop_table("mdf_entries")
    with op.batch_alter_table("mdf_claim_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mdf_claim_files_claim_id"))

    op.drop_table("mdf_claim_files")
    with op.batch_alter_table("mdf_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mdf_claims_status"))
        batch_op.drop_index(batch_op.f("ix_mdf_claims_request_id"))

    op.drop_table("mdf_claims")
    with op.batch_alter_table("mdf_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mdf_requests_status"))
        batch_op.drop_index(batch_op.f("ix_mdf_requests_partner_id"))

    op.drop_table("mdf_requests")
