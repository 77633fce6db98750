"""The activation runway: milestones per partner, and each partner's progress through an
always-on campaign's sequence (one row per step, so nothing is sent twice)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from campaign_engine.db.base import Base, utcnow


class MilestoneRecord(Base):
    __tablename__ = "milestones"
    __table_args__ = (UniqueConstraint("partner_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    reached_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(16))  # engine | callback | csv | console | cli
    actor: Mapped[str] = mapped_column(String(254), default="engine")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Enrollment(Base):
    """A partner in an always-on campaign's audience; `entered_at` anchors its sequence."""

    __tablename__ = "runway_enrollments"
    __table_args__ = (UniqueConstraint("campaign_id", "partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    entered_at: Mapped[datetime]
    left_at: Mapped[datetime | None]  # out of the audience now; steps due meanwhile are skipped


class StepDelivery(Base):
    __tablename__ = "runway_steps"
    __table_args__ = (UniqueConstraint("enrollment_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("runway_enrollments.id", ondelete="CASCADE"), index=True
    )
    step: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default="pending")  # sending, sent, skipped
    due_at: Mapped[datetime | None]
    lease_expires_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
