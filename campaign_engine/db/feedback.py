"""The feedback loop's mail outbox: owner alerts and the vendor's replies to partners."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from campaign_engine.db.base import Base, utcnow


class FeedbackMail(Base):
    """One email the feedback loop owes someone, written in the same transaction as what
    caused it (an opt-out, a rating, a silence found, a reply). `event` names the cause:
    a second row for the same event and recipient is refused, so every alert is raised
    once however often the cause is seen; `sent_at` stays empty until the mail connector
    took it, so a process that dies in between sends it on the next run (with the same
    idempotency key)."""

    __tablename__ = "feedback_mails"
    __table_args__ = (
        UniqueConstraint("event", "recipient"),
        Index("ix_feedback_mails_unsent", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(120))  # e.g. "brand-12", "silent-3-20261101"
    kind: Mapped[str] = mapped_column(String(16))  # opt_out_all | brand | silent | reply
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300), default="")  # a path under base_url
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
