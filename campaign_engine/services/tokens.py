"""Warning partners before an API token stops working (LinkedIn's last 60 days): an expired
token silently turns their posts into failures, and only the partner can reconnect."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from campaign_engine.db import ChannelEndpoint, Partner
from campaign_engine.errors import DeliveryError
from campaign_engine.ports import Endpoint, Message
from campaign_engine.runtime import Runtime

NAMES = {"linkedin": "LinkedIn", "hubspot": "HubSpot", "salesforce": "Salesforce"}


def token_expiry(endpoint: ChannelEndpoint) -> datetime | None:
    value = (endpoint.config or {}).get("token_expires_at")
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def warn_expiring_tokens(runtime: Runtime, *, within_days: int) -> list[str]:
    """Emails each partner whose token expires within the window, once per token; returns
    "<slug> <kind>" for each warning sent."""
    now = runtime.clock()
    horizon = now + timedelta(days=within_days)
    with runtime.sessions() as session:
        rows = session.execute(
            select(ChannelEndpoint, Partner)
            .join(Partner, Partner.id == ChannelEndpoint.partner_id)
            .where(ChannelEndpoint.token_warned_at.is_(None))
        ).all()
        due = [
            (endpoint.id, endpoint.kind, expires, partner.slug, partner.name, partner.contact_email)
            for endpoint, partner in rows
            if (expires := token_expiry(endpoint)) is not None and expires <= horizon
        ]
    warned = []
    base = runtime.settings.public_base_url
    for endpoint_id, kind, expires, slug, name, email in due:
        service = NAMES.get(kind, kind)
        state = "expired on" if expires <= now else "expires on"
        message = Message(
            channel="email",
            recipient=email,
            subject=f"Your {service} connection {state} {expires:%d %B}: reconnect to keep posting",
            body_text=(
                f"Hello {name},\n\nThe {service} connection your campaigns use {state} "
                f"{expires:%A %d %B %Y}. After that, your scheduled posts cannot go out.\n\n"
                f"Reconnect in the partner portal: {base}/portal/\n"
            ),
            sender_name=runtime.settings.programme.name,
        )
        key = f"token-{endpoint_id}-{expires:%Y%m%d}"
        try:
            runtime.connector("email").publish(message, Endpoint(kind="email"), key)
        except DeliveryError:
            continue  # tried again on the next run
        with runtime.sessions.begin() as session:
            endpoint = session.get(ChannelEndpoint, endpoint_id)
            if endpoint is not None:
                endpoint.token_warned_at = now
        warned.append(f"{slug} {kind}")
    return warned
