"""The partner preview notice: "your campaign goes live on <date>", with a preview link and
a one-click opt-out, sent `preview_days` before launch to each partner in the audience."""

from __future__ import annotations

from campaign_engine.db import Campaign, utcnow
from campaign_engine.domain.consent import ConsentMode
from campaign_engine.errors import DeliveryError
from campaign_engine.ports import Endpoint, Message
from campaign_engine.runtime import Runtime
from campaign_engine.services.access.partnerlinks import PartnerLinks
from campaign_engine.services.audience import audience_partners
from campaign_engine.services.campaigns.planner import go_live
from campaign_engine.services.consent import mode_for


def send_preview_notices(runtime: Runtime, campaign_id: int) -> int:
    """Returns how many notices went out; a partner already opted out gets none."""
    links = PartnerLinks(runtime.settings.signing_keys)
    base = runtime.settings.public_base_url
    sent = 0
    with runtime.sessions() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None or campaign.launch_at is None or campaign.notice_sent_at:
            return 0
        recipients = []
        for partner in audience_partners(session, campaign.audience):
            email = mode_for(session, partner.id, campaign, "email")
            if email is ConsentMode.OFF and (
                mode_for(session, partner.id, campaign, "social") is ConsentMode.OFF
            ):
                continue
            reviews = email is ConsentMode.REVIEW
            window = runtime.settings.programme.review_hours if reviews else None
            when = go_live(campaign, partner, review_hours=window)
            token = links.make(partner.id, campaign.id)
            recipients.append((partner.contact_email, partner.name, when, token))
    connector = runtime.connector("email")
    for email, name, when, token in recipients:
        body = (
            f'Hello {name},\n\nYour co-branded campaign "{campaign.name}" goes live on '
            f"{when:%A %d %B %Y at %H:%M} ({when.tzname()}). There is nothing for you to do:\n"
            f"your customers receive it from you, with your logo and contact details.\n\n"
            f"See exactly what goes out: {base}/portal/preview/{token}\n"
            f"Not this time? Opt out in one click: {base}/portal/opt-out/{token}\n"
        )
        message = Message(
            channel="email",
            recipient=email,
            subject=(f'Your campaign "{campaign.name}" goes live on {when:%d %B}'),
            body_text=body,
            sender_name=runtime.settings.programme.name,
        )
        try:
            connector.publish(message, Endpoint(kind="email"), f"notice-{campaign_id}-{token[:16]}")
            sent += 1
        except DeliveryError:
            continue  # one bad address must not stop the others; the launch itself goes on
    with runtime.sessions.begin() as session:
        stored = session.get(Campaign, campaign_id)
        if stored is not None:
            stored.notice_sent_at = utcnow()
    return sent
