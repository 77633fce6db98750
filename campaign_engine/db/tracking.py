"""Tracked links and the events (clicks, opens, leads, deals) attributed through them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from campaign_engine.db.base import Base, utcnow


class TrackedLink(Base):
    __tablename__ = "tracked_links"
    __table_args__ = (UniqueConstraint("campaign_id", "partner_id", "channel", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64))
    target_url: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Event(Base):
    """Something that happened downstream of a send; `dedupe_key` makes repeats count once."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_report", "campaign_id", "type", "is_bot", "partner_id", "channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(32), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    channel: Mapped[str | None] = mapped_column(String(16))
    link_id: Mapped[int | None] = mapped_column(ForeignKey("tracked_links.id"))
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(200))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    is_bot: Mapped[bool] = mapped_column(default=False)
    # clicks and opens: the hashed network and browser (domain/visitors.py), never raw
    visitor: Mapped[str | None] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class UniqueEngagement(Base):
    """One visitor's first click on a link (or open of an email) on one day: what the
    unique counts count. A repeat inserts nothing, so 50 clicks are one row."""

    __tablename__ = "unique_engagements"
    __table_args__ = (UniqueConstraint("type", "target", "visitor", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(16))  # click | open
    target: Mapped[str] = mapped_column(String(24))  # "link:<id>" or "delivery:<id>"
    visitor: Mapped[str] = mapped_column(String(16))
    day: Mapped[date] = mapped_column(Date)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))


class EventTally(Base):
    """Running counts of opens and clicks (bots excluded) per campaign, partner, channel and
    type, kept as events arrive, so a report reads a few hundred rows instead of
    aggregating millions of events."""

    __tablename__ = "event_tallies"
    __table_args__ = (UniqueConstraint("campaign_id", "partner_id", "channel", "type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))  # "" when the event named none
    type: Mapped[str] = mapped_column(String(32))
    count: Mapped[int] = mapped_column(default=0)


class DealRecord(Base):
    """One CRM record per stage, with the largest amount it was seen with: what pipeline
    and revenue add up, and what makes a re-sent lead count once."""

    __tablename__ = "deal_records"
    __table_args__ = (
        UniqueConstraint("campaign_id", "partner_id", "channel", "type", "external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))


class Lead(Base):
    """A lead attributed to a partner (landing page, CRM, callback, CSV) and what the
    partner did with it: its state, why it was rejected, when it was first touched."""

    __tablename__ = "leads"
    __table_args__ = (
        UniqueConstraint("partner_id", "external_id"),
        Index("ix_leads_partner_received", "partner_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    channel: Mapped[str | None] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(16), default="new", index=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_touch_at: Mapped[datetime | None]
    state_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]  # the partner, when its first touch was due
    escalated_at: Mapped[datetime | None]  # the owner, at the same moment
    # A landing-page lead's visitor (network and browser) and network, hashed
    # (domain/visitors.py): the per-client limits and the partner-wide cap count these.
    client: Mapped[str | None] = mapped_column(String(16))
    network: Mapped[str | None] = mapped_column(String(16))
    # What the visitor gave, while the lead is "held" or "unconfirmed" and so has no
    # event yet (services/attribution/leads/intake.py); emptied when it is released, confirmed or
    # discarded.
    pending: Mapped[dict[str, Any] | None] = mapped_column(JSON)
