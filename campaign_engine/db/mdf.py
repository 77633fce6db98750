"""Market development funds: the ledger's entries, partners' requests and their claims.

Balances are never stored: services/mdf/ledger.py derives them from `mdf_entries`
(domain/mdf.py says what each kind of entry moves)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, LargeBinary, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from campaign_engine.db.base import Base, utcnow


class MdfEntry(Base):
    """One movement of money; the only place an amount is recorded."""

    __tablename__ = "mdf_entries"
    __table_args__ = (Index("ix_mdf_entries_funds", "partner_id", "period", "currency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(7))  # "2026-Q4"
    currency: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(16))  # domain.mdf.EntryKind
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))  # always positive
    request_id: Mapped[int | None] = mapped_column(ForeignKey("mdf_requests.id"))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("mdf_claims.id"))
    rule: Mapped[str | None] = mapped_column(String(16))  # an allocation's AllocationRule
    note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MdfRequest(Base):
    """A partner's ask for part of its funds, for a kit or an activity of its own."""

    __tablename__ = "mdf_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[str] = mapped_column(String(7))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    kit_slug: Mapped[str | None] = mapped_column(String(80))
    activity: Mapped[str] = mapped_column(String(16))  # domain.mdf.Activity
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    expected_outcome: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)  # domain.mdf.RequestStatus
    reason: Mapped[str] = mapped_column(Text, default="")  # a rejection's or change's words
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    requested_by: Mapped[str] = mapped_column(String(200))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # the SLA clock: restarted when a partner answers a request for changes
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime]
    reminded_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]


class MdfClaim(Base):
    """A partner's claim against an approved request, with the proof the engine assembled."""

    __tablename__ = "mdf_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("mdf_requests.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))  # what the partner asks
    currency: Mapped[str] = mapped_column(String(3))  # the request's
    approved_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    status: Mapped[str] = mapped_column(String(16), index=True)  # domain.mdf.ClaimStatus
    note: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    # what was sent, clicks, leads, opportunities, won revenue: frozen when claimed
    proof: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submitted_by: Mapped[str] = mapped_column(String(200))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]


class MdfClaimFile(Base):
    """An invoice or screenshot a partner attached to a claim (checked like every upload)."""

    __tablename__ = "mdf_claim_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(
        ForeignKey("mdf_claims.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
