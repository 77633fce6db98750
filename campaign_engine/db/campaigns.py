"""Campaigns, consent and the delivery ledger (the outbox the dispatcher works from)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign_engine.db.base import Base, utcnow
from campaign_engine.db.kits import KitVersion


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80))
    kit_version_id: Mapped[int] = mapped_column(ForeignKey("kit_versions.id"))
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    launch_at: Mapped[datetime | None]
    # "Tuesday 10:00 in each partner's timezone": local send time and optional weekday
    send_time: Mapped[str | None] = mapped_column(String(5))
    send_weekday: Mapped[int | None]
    # auto | review | off, or None: the programme's default applies (domain.consent).
    consent_default: Mapped[str | None] = mapped_column(String(8))
    # What partners read (portal, notices, lead emails, results, landing page); the name
    # is the vendor's own. None: the kit's title and description.
    partner_title: Mapped[str | None] = mapped_column(String(200))
    partner_description: Mapped[str | None] = mapped_column(Text)
    # Which live campaign the signature banner shows: the highest priority, then the newest.
    banner_priority: Mapped[int] = mapped_column(default=0, server_default="0")
    preview_days: Mapped[int] = mapped_column(default=7)
    # Always-on: no one-off send; each partner entering the audience gets the kit's sequence.
    always_on: Mapped[bool] = mapped_column(default=False)
    notice_sent_at: Mapped[datetime | None]
    recurrence: Mapped[str | None] = mapped_column(String(100))  # cron, e.g. quarterly
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    launched_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    kit_version: Mapped[KitVersion] = relationship()  # loaded when used: its spec is large

    @property
    def title(self) -> str:
        """What partners read (portal, notices, lead emails, results, landing page): the
        partner-facing title, else the kit's name. `name` is the vendor's own ("API Q4
        gold emea", "Review test") and stays in the console."""
        return self.partner_title or str(self.kit_version.spec.get("name") or "")

    @property
    def description(self) -> str:
        """The partner-facing description, else the kit's."""
        if self.partner_description is not None:
            return self.partner_description
        return str(self.kit_version.spec.get("description") or "")


class Consent(Base):
    """The current consent mode for one scope: programme-wide or one campaign, per channel.

    `scope` is "programme" or "campaign:<id>" and `channel` is a channel or "*", so the
    unique key has no NULLs (which both databases would treat as all-distinct).
    """

    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("partner_id", "scope", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(40))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    channel: Mapped[str] = mapped_column(String(16))
    mode: Mapped[str] = mapped_column(String(8))  # auto | review | off
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ConsentEvent(Base):
    """Every consent decision, kept forever: who, when and through what."""

    __tablename__ = "consent_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    channel: Mapped[str] = mapped_column(String(16))
    mode: Mapped[str] = mapped_column(String(8))
    actor: Mapped[str] = mapped_column(String(254))
    via: Mapped[str] = mapped_column(String(16))  # cli | portal | link | api
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Delivery(Base):
    """One item to one destination: the unit of sending, retrying and reporting."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("campaign_id", "partner_id", "channel", "asset", "recipient"),
        # The dispatcher's order, so a claim reads only the rows it takes.
        Index("ix_deliveries_claim", "status", "due_at", "partner_id", "channel"),
        # A partner's own rows: the daily caps per channel, its portal, its removal.
        Index("ix_deliveries_partner", "partner_id", "channel", "status"),
        # "Is anything of this campaign still open?", asked after every work item: one
        # probe, where the campaign index alone walked every sent row before the open ones;
        # and the report's counts per partner, channel and status from the index alone.
        Index("ix_deliveries_campaign_status", "campaign_id", "status", "partner_id", "channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    asset: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(254))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # Set at the first transient failure: tried again until then (domain.retry), then failed.
    retry_until: Mapped[datetime | None]
    # Why it was not sent, when it was not (domain.ledger.Reason); last_error says more.
    reason: Mapped[str | None] = mapped_column(String(24))
    provider: Mapped[str | None] = mapped_column(String(32))
    provider_ref: Mapped[str | None] = mapped_column(String(300))
    sent_at: Mapped[datetime | None]
    # Review: a held item waits for the partner's approval until review_by (it is then not
    # sent); approved_at says the partner approved it, so a later check never holds it again.
    review_by: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    # What the service said when asked later (connectors with fetch_status): live, removed.
    provider_status: Mapped[str | None] = mapped_column(String(16))
    provider_detail: Mapped[str | None] = mapped_column(String(200))
    provider_checked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DeliveryWait(Base):
    """Why a campaign's channel is waiting: its last transient failure ("SMTP 421 ...",
    "storage full"), since when it has repeated, and until when its items are retried.
    Written with each transient failure, deleted when that channel sends again, so
    `campaigns status` and the campaign page can say why pending items wait
    (services/delivery/health/waits.py)."""

    __tablename__ = "delivery_waits"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    reason: Mapped[str] = mapped_column(String(300))
    since: Mapped[datetime]
    last_at: Mapped[datetime]
    retry_until: Mapped[datetime]
    failures: Mapped[int] = mapped_column(default=1)


class NotPlanned(Base):
    """A targeted partner and channel (or one contact of it) the planner wrote no delivery
    for, and why: so the campaign's ledger has a row for everything it did not send.
    Each plan of the campaign rewrites the campaign's rows (partners opt back in)."""

    __tablename__ = "not_planned"
    __table_args__ = (UniqueConstraint("campaign_id", "partner_id", "channel", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))  # "*": the partner as a whole
    recipient: Mapped[str] = mapped_column(String(254), default="")
    reason: Mapped[str] = mapped_column(String(24))
    detail: Mapped[str | None] = mapped_column(String(300))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class PartnerFeedback(Base):
    """What a partner told the vendor: why it opted out, skipped or paused (a reason and
    an optional comment), or how useful an asset was; and the vendor's reply to it."""

    __tablename__ = "partner_feedback"
    __table_args__ = (
        Index("ix_partner_feedback_campaign", "campaign_id", "kind"),
        # one rating per partner, campaign and asset: rating again replaces it
        Index(
            "uq_partner_feedback_rating",
            "partner_id",
            "campaign_id",
            "asset",
            unique=True,
            sqlite_where=text("kind = 'rating'"),
            postgresql_where=text("kind = 'rating'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    kind: Mapped[str] = mapped_column(String(16))  # opt_out | skip | pause | rating
    channel: Mapped[str | None] = mapped_column(String(16))
    asset: Mapped[str | None] = mapped_column(String(64))  # a rating's asset
    reason: Mapped[str | None] = mapped_column(String(16))  # services/feedback REASONS
    useful: Mapped[bool | None]  # a rating: useful or not
    comment: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(254))
    via: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_by: Mapped[str | None] = mapped_column(String(254))
    replied_at: Mapped[datetime | None]


class ReviewEdit(Base):
    """A partner's edit of one kit text in review, kept beside the kit's own text as the
    partner read it: the vendor's "most common edits" are the difference of the two."""

    __tablename__ = "review_edits"
    __table_args__ = (Index("ix_review_edits_campaign", "campaign_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    kit_id: Mapped[int] = mapped_column(ForeignKey("kits.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    asset: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(100))  # the customisation's key
    original: Mapped[str] = mapped_column(Text)  # the kit's text, in the partner's language
    edited: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(default=utcnow)
