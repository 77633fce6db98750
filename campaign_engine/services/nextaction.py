"""One recommended next action for a partner, computed from its own data."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign_engine.db import ChannelEndpoint, Delivery, Event, Partner
from campaign_engine.domain.lifecycle import DeliveryStatus
from campaign_engine.services.tokens import NAMES, token_expiry


def next_action(session: Session, partner: Partner, *, now: datetime) -> str:
    """The most useful thing to do now, most urgent first."""
    waiting = (
        select(Delivery.campaign_id, Delivery.channel, Delivery.asset)
        .where(Delivery.partner_id == partner.id, Delivery.status == DeliveryStatus.HELD)
        .distinct()
        .subquery()
    )
    held = session.scalar(select(func.count()).select_from(waiting)) or 0
    if held:
        items = "item is" if held == 1 else "items are"
        return f"{held} campaign {items} waiting for your approval"
    expiring = _expiring_connection(session, partner, now)
    if expiring:
        return expiring
    if not partner.logo_sha256:
        return "Your logo is missing: your brochure and posts use your name instead. Upload it."
    clicks = (
        session.scalar(
            select(func.count()).where(
                Event.partner_id == partner.id,
                Event.type == "click",
                Event.is_bot.is_(False),
                Event.occurred_at >= now - timedelta(days=7),
            )
        )
        or 0
    )
    if clicks:
        people = "customer" if clicks == 1 else "customers"
        return f"{clicks} {people} clicked your campaign links this week: call them"
    missing = [
        label
        for field, label in (("phone", "phone number"), ("postal_address", "postal address"))
        if not getattr(partner, field)
    ]
    if missing:
        return f"Add your {' and '.join(missing)}: some assets cannot go out without it"
    return "You are all set: your next campaign goes out automatically"


def _expiring_connection(session: Session, partner: Partner, now: datetime) -> str | None:
    for endpoint in session.scalars(
        select(ChannelEndpoint).where(ChannelEndpoint.partner_id == partner.id)
    ):
        expires = token_expiry(endpoint)
        if expires is not None and expires <= now + timedelta(days=14):
            service = NAMES.get(endpoint.kind, endpoint.kind)
            when = "has expired" if expires <= now else f"expires on {expires:%d %B}"
            return f"Your {service} connection {when}: reconnect it so your posts keep going out"
    return None
