"""Partners and where their campaigns go: contacts, suppressions, channel endpoints."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign_engine.db.base import Base, utcnow


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # What subjects and From names use when `name` is too long for them ("" = the name).
    short_name: Mapped[str] = mapped_column(String(40), default="", server_default="")
    contact_email: Mapped[str] = mapped_column(String(254))
    website: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    postal_address: Mapped[str] = mapped_column(String(500), default="")
    logo_png: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    logo_sha256: Mapped[str | None] = mapped_column(String(64))
    # The partner's own version for dark grounds (a white logo), used on dark bands.
    logo_on_dark_png: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    logo_on_dark_sha256: Mapped[str | None] = mapped_column(String(64))
    primary_color: Mapped[str] = mapped_column(String(7))
    secondary_color: Mapped[str] = mapped_column(String(7))
    tier: Mapped[str] = mapped_column(String(40), default="", index=True)
    region: Mapped[str] = mapped_column(String(40), default="", index=True)
    vertical: Mapped[str] = mapped_column(String(60), default="", index=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    locale: Mapped[str] = mapped_column(String(16), default="en")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    signed_at: Mapped[datetime | None]
    # A partner's own From address, used only once its domain is proven (services/delivery/senders).
    sender_address: Mapped[str | None] = mapped_column(String(254))
    sender_verified_at: Mapped[datetime | None]
    # The vendor user who owns this partner's runway (gets its at-risk digest).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The campaign the partner pinned for its signature banner (None: the vendor's ranking).
    banner_campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL", use_alter=True)
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The last time a notice link of the partner's was opened (services/feedback/alerts:
    # one of the signs of life a silence alert looks for).
    notice_opened_at: Mapped[datetime | None]

    contacts: Mapped[list[Contact]] = relationship(back_populates="partner", lazy="raise")
    endpoints: Mapped[list[ChannelEndpoint]] = relationship(lazy="raise")


class Contact(Base):
    """A customer of the partner: the person the partner's email goes to."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("partner_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    company: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    partner: Mapped[Partner] = relationship(back_populates="contacts", lazy="raise")


class Suppression(Base):
    """An address that must not be mailed on this partner's behalf (unsubscribe, bounce)."""

    __tablename__ = "suppressions"
    __table_args__ = (UniqueConstraint("partner_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    reason: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChannelEndpoint(Base):
    """A partner's own destination for a channel; absent means the built-in default."""

    __tablename__ = "channel_endpoints"
    __table_args__ = (UniqueConstraint("partner_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    url: Mapped[str | None] = mapped_column(String(1000))
    config: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    token_warned_at: Mapped[datetime | None]  # the partner was told its token expires soon
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Customisation(Base):
    """A partner's own values for the fields a kit lets partners customise."""

    __tablename__ = "customisations"
    __table_args__ = (UniqueConstraint("partner_id", "kit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    kit_id: Mapped[int] = mapped_column(ForeignKey("kits.id", ondelete="CASCADE"))
    values: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    updated_by: Mapped[str] = mapped_column(String(254), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
