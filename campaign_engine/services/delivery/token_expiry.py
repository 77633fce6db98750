"""Warning partners before an API token stops working (LinkedIn's last 60 days): an expired
token silently turns their posts into failures, and only the partner can reconnect."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from campaign_engine.db import ChannelEndpoint, Partner
from campaign_engine.errors import DeliveryError
from campaign_engine.ports import Message
from campaign_engine.runtime import Runtime
from campaign_engine.services.delivery.programme_mail import send_programme_mail
from campaign_engine.translations import partner_language

NAMES = {"linkedin": "LinkedIn", "hubspot": "HubSpot", "salesforce": "Salesforce"}


def token_expiry(endpoint: ChannelEndpoint) -> datetime | None:
    value = (endpoint.config or {}).get("token_expires_at")
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _warning(
    service: str, expires: datetime, past: bool, name: str, base: str, profile_locale: str | None
) -> tuple[str, str]:
    """(subject, text) in the partner's language; English keeps its own date wording."""
    from babel import dates

    words, locale = partner_language(profile_locale)
    if locale is None:
        day, short = f"{expires:%A %d %B %Y}", f"{expires:%d %B}"
    else:
        day = dates.format_date(expires, "full", locale=locale)
        short = dates.format_skeleton("MMMMd", expires, locale=locale)
    values = {"service": service, "day": day, "short": short, "name": name}
    if past:
        subject = words.gettext(
            "Your %(service)s connection expired on %(short)s: reconnect to keep posting"
        )
        lead = words.gettext("The %(service)s connection your campaigns use expired on %(day)s.")
    else:
        subject = words.gettext(
            "Your %(service)s connection expires on %(short)s: reconnect to keep posting"
        )
        lead = words.gettext("The %(service)s connection your campaigns use expires on %(day)s.")
    body = "\n\n".join(
        [
            words.gettext("Hello %(name)s,") % values,
            lead % values + " " + words.gettext("After that, your scheduled posts cannot go out."),
            words.gettext("Reconnect in the partner portal: %(link)s")
            % {"link": f"{base}/portal/"},
        ]
    )
    return subject % values, body + "\n"


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
            (
                endpoint.id,
                endpoint.kind,
                expires,
                partner.slug,
                partner.name,
                partner.contact_email,
                partner.locale,
            )
            for endpoint, partner in rows
            if (expires := token_expiry(endpoint)) is not None and expires <= horizon
        ]
    warned = []
    base = runtime.settings.public_base_url
    for endpoint_id, kind, expires, slug, name, email, locale in due:
        subject, body = _warning(NAMES.get(kind, kind), expires, expires <= now, name, base, locale)
        message = Message(
            channel="email",
            recipient=email,
            subject=subject,
            body_text=body,
            sender_name=runtime.settings.programme.name,
        )
        key = f"token-{endpoint_id}-{expires:%Y%m%d}"
        try:
            send_programme_mail(runtime, message, key)
        except DeliveryError:
            continue  # tried again on the next run
        with runtime.sessions.begin() as session:
            endpoint = session.get(ChannelEndpoint, endpoint_id)
            if endpoint is not None:
                endpoint.token_warned_at = now
        warned.append(f"{slug} {kind}")
    return warned
