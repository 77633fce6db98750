"""One recommended next action for a partner, computed from its own data."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign_engine.db import ChannelEndpoint, Consent, Contact, Delivery, Event, Partner
from campaign_engine.domain.channels import CHANNELS, channel_label
from campaign_engine.domain.consent import PROGRAMME, ConsentMode, resolve
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
    switched_off = _switched_off(session, partner)
    if switched_off:
        return (
            f"{switched_off} switched off for every campaign: nothing goes out there in your "
            "name. Switch it back on under Your campaigns when you are ready"
        )
    if not session.scalar(select(Contact.id).where(Contact.partner_id == partner.id).limit(1)):
        return (
            "No customer contacts yet: campaign emails have nobody to go to. Send your "
            "contact list to the vendor's partner team"
        )
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


def _switched_off(session: Session, partner: Partner) -> str:
    """ "Email and Website are" / "Everything is": the channels the partner's programme-wide
    decisions switch off, resolved as the planner resolves them (a channel's own decision
    wins over the all-channels one)."""
    decisions = {
        (scope, channel): mode
        for scope, channel, mode in session.execute(
            select(Consent.scope, Consent.channel, Consent.mode).where(
                Consent.partner_id == partner.id, Consent.scope == PROGRAMME
            )
        )
    }
    off = [c for c in CHANNELS if decisions and resolve(decisions, 0, c) is ConsentMode.OFF]
    if not off:
        return ""
    if len(off) == len(CHANNELS):
        return "Everything is"
    names = [channel_label(c) for c in off]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"{listed} {'is' if len(names) == 1 else 'are'}"


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
