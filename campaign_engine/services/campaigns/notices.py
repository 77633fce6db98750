"""The partner preview notice: "your campaign goes live on <date>", with a preview link and
a one-click opt-out, sent `preview_days` before launch to each partner in the audience,
in the partner's language (its profile's locale, where the portal has that language).
Sent outside a request (the scheduler, the CLI), so it reads the portal's catalogues with
Babel itself, not through Flask-Babel."""

from __future__ import annotations

from datetime import datetime

from babel import Locale, dates

from campaign_engine.db import Campaign, utcnow
from campaign_engine.domain.consent import ConsentMode
from campaign_engine.errors import DeliveryError
from campaign_engine.ports import Message
from campaign_engine.runtime import Runtime
from campaign_engine.services.access.partnerlinks import PartnerLinks
from campaign_engine.services.campaigns.audience import audience_partners
from campaign_engine.services.campaigns.planner import go_live
from campaign_engine.services.delivery.programme_mail import send_programme_mail
from campaign_engine.services.partners.consent.read import mode_for
from campaign_engine.translations import partner_language


def _days(when: datetime, locale: Locale | None) -> tuple[str, str]:
    """(the go-live day and time, the day alone for the subject), in the partner's language."""
    if locale is None:
        return f"{when:%A %d %B %Y at %H:%M}", f"{when:%d %B}"
    day = dates.format_date(when, "full", locale=locale)
    time = dates.format_time(when, "short", tzinfo=when.tzinfo, locale=locale)
    return f"{day}, {time}", dates.format_skeleton("MMMMd", when, locale=locale)


def _notice(
    runtime: Runtime, title: str, recipient: tuple[str, str, str, datetime, str]
) -> Message:
    """One partner's notice, in its language: the go-live day and time in its timezone,
    the link to its preview and the one-click opt-out."""
    email, name, profile_locale, when, token = recipient
    base = runtime.settings.public_base_url
    words, locale = partner_language(profile_locale)
    day, subject_day = _days(when, locale)
    values = {"name": name, "campaign": title, "day": day, "zone": when.tzname()}
    preview, opt_out = f"{base}/portal/preview/{token}", f"{base}/portal/opt-out/{token}"
    lines = [
        words.gettext("Hello %(name)s,") % values,
        "",
        words.gettext(
            'Your co-branded campaign "%(campaign)s" goes live on %(day)s (%(zone)s). '
            "There is nothing for you to do:\n"
            "your customers receive it from you, with your logo and contact details."
        )
        % values,
        "",
        words.gettext("See exactly what goes out: %(link)s") % {"link": preview},
        words.gettext("Not this time? Opt out in one click: %(link)s") % {"link": opt_out},
        "",
    ]
    body = "\n".join(lines)
    subject = words.gettext('Your campaign "%(campaign)s" goes live on %(day)s') % {
        "campaign": title,
        "day": subject_day,
    }
    return Message(
        channel="email",
        recipient=email,
        subject=subject,
        body_text=body,
        sender_name=runtime.settings.programme.name,
    )


def send_preview_notices(runtime: Runtime, campaign_id: int) -> int:
    """Returns how many notices went out; a partner already opted out gets none."""
    links = PartnerLinks(runtime.settings.signing_keys)
    sent = 0
    with runtime.sessions() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None or campaign.launch_at is None or campaign.notice_sent_at:
            return 0
        recipients = []
        title = campaign.title  # what partners read, never the vendor's internal name
        default = runtime.settings.programme.rules().programme_default
        for partner in audience_partners(session, campaign.audience):
            email_mode = mode_for(session, partner.id, campaign, "email", default)
            if email_mode is ConsentMode.OFF and (
                mode_for(session, partner.id, campaign, "social", default) is ConsentMode.OFF
            ):
                continue
            reviews = email_mode is ConsentMode.REVIEW
            window = runtime.settings.programme.review_hours if reviews else None
            when = go_live(campaign, partner, review_hours=window)
            assert when is not None  # go_live is None only without a launch_at, checked above
            token = links.make(partner.id, campaign.id)
            recipients.append((partner.contact_email, partner.name, partner.locale, when, token))
    for email, name, profile_locale, when, token in recipients:
        message = _notice(runtime, title, (email, name, profile_locale, when, token))
        try:
            send_programme_mail(runtime, message, f"notice-{campaign_id}-{token[:16]}")
            sent += 1
        except DeliveryError:
            continue  # one bad address must not stop the others; the launch itself goes on
    with runtime.sessions.begin() as session:
        stored = session.get(Campaign, campaign_id)
        if stored is not None:
            stored.notice_sent_at = utcnow()
    return sent
