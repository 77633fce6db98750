"""Co-branded landing pages: `<base_url>/l/<token>`, where the token is a tracked link's
(so the page knows its campaign, partner and channel without a lookup of its own), and
a form whose submission is a lead of that partner, with no CRM needed.

A lead is an `lead.created` event like a CRM's, so the partner's results and the
campaign report count it with no extra path; the partner gets it by email at once, and
the partner's own CRM connector (when it has one) gets it as a payload.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign_engine.db import Campaign, ChannelEndpoint, Event, Partner, TrackedLink
from campaign_engine.domain.kit import KitContent, Landing
from campaign_engine.errors import DeliveryError, InvalidInput, NotFound
from campaign_engine.infra.secrets import unseal
from campaign_engine.ports import Endpoint, LeadSink, Message
from campaign_engine.runtime import Runtime
from campaign_engine.services.assets.brand.context import brand_context
from campaign_engine.services.assets.kits import materialise
from campaign_engine.services.attribution.leads.intake import Arrival
from campaign_engine.services.attribution.links import (
    campaign_links,
    declared_link,
    link_urls,
    tagged_url,
)

log = logging.getLogger(__name__)
LIMITS = {"name": 120, "email": 254, "company": 160, "phone": 40, "message": 2000}
CLOSED = "this page has ended with its campaign"


@dataclass(frozen=True)
class LandingPage:
    link: TrackedLink
    campaign: Campaign
    partner: Partner
    kit: KitContent
    landing: Landing
    copy: dict[str, str]  # headline, body, consent, cta in the partner's language
    learn_more: str  # the link's own target, tagged as a redirect would tag it
    fragment: str  # the kit's own part of the page (its `landing.template`), or ""


def landing_page(session: Session, token: str, storage_dir: Any, base_url: str = "") -> LandingPage:
    """The page behind a tracked link; unknown tokens, kits without a landing page and
    campaigns that never went out are all the same 404."""
    from campaign_engine.typeset.context import (  # the kit's copy, as renderers read it
        localise,
        lookup,
    )

    link = session.scalar(select(TrackedLink).where(TrackedLink.token == token))
    if link is None:
        raise NotFound("this page does not exist; the link may have been mistyped")
    campaign = session.get(Campaign, link.campaign_id)
    partner = session.get(Partner, link.partner_id)
    if campaign is None or partner is None or campaign.status in ("draft", "cancelled"):
        raise NotFound(CLOSED)
    kit = materialise(session, campaign.kit_version, storage_dir)
    landing = kit.spec.landing
    if landing is None:
        raise NotFound("this campaign has no landing page")
    declared = declared_link(dict(kit.spec.links), link.name)
    if declared is None or not declared.landing:  # a post's or a signature's own link
        raise NotFound("this page does not exist; the link may have been mistyped")
    language = (partner.locale or "en").replace("-", "_").split("_")[0].lower()
    copy = localise(kit.copy_for(language), partner.name, partner.short_name)
    texts = {
        k: str(lookup(copy, getattr(landing, k))) for k in ("headline", "body", "consent", "cta")
    }
    more = tagged_url(link, partner.slug, campaign_links(session, campaign.id))
    fragment = _fragment(session, kit, landing, link, partner, base_url) if base_url else ""
    return LandingPage(link, campaign, partner, kit, landing, texts, more, fragment)


def _fragment(
    session: Session,
    kit: KitContent,
    landing: Landing,
    link: TrackedLink,
    partner: Partner,
    base_url: str,
) -> str:
    """The kit's landing template for this partner, with its tracked links: HTML a kit
    wrote, so it is shown only in a sandboxed frame (web/templates/landing/page.html)."""
    if not landing.template:
        return ""
    from campaign_engine.typeset.context import template_context
    from campaign_engine.typeset.sandbox import make_environment

    links = link_urls(session, link.campaign_id, partner.id, link.channel, base_url)
    context = template_context(
        kit, brand_context(partner), lambda name: links[name], logo_src="", vendor_logo_src=""
    )
    return make_environment(kit.root).get_template(landing.template).render(context)


def read_lead(page: LandingPage, form: dict[str, str]) -> dict[str, str]:
    """The form's fields, checked: email required and well formed, each field within its
    length, consent ticked. Errors name the field. One-line fields lose their line
    breaks: a visitor's text reaches the partner's inbox as text, never as a header or a
    forged "Email:" line."""
    lead: dict[str, str] = {}
    for name in page.landing.fields:
        raw = form.get(name) or ""
        value = raw.strip() if name == "message" else " ".join(raw.split())
        if len(value) > LIMITS[name]:
            raise InvalidInput(f"at most {LIMITS[name]} characters", where=name)
        lead[name] = value
    lead["email"] = _address(form.get("email") or "")
    if form.get("consent") != "yes":
        raise InvalidInput("tick the box to agree to be contacted", where="consent")
    return lead


def _address(raw: str) -> str:
    """A deliverable-looking address (email-validator's syntax rules, no DNS lookup),
    without RFC 2047 encoded-word markers, which mail headers would decode."""
    from email_validator import EmailNotValidError, validate_email

    wrong = InvalidInput("an email address like name@company.example", where="email")
    text = raw.strip()
    if "=?" in text or "?=" in text or len(text) > LIMITS["email"]:
        raise wrong
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise wrong from None


def lead_key(page: LandingPage, lead: dict[str, str]) -> str:
    """One lead per address and partner page: a second submission counts once."""
    return hashlib.sha256(
        f"landing:{page.campaign.id}:{page.partner.id}:{lead['email'].lower()}".encode()
    ).hexdigest()


def arrival(page: LandingPage, lead: dict[str, str]) -> Arrival:
    """The submission as services/attribution/leads/intake.py admits it: a lead of this partner,
    campaign and channel, counted once per address and page."""
    return Arrival(
        partner_id=page.partner.id,
        campaign_id=page.campaign.id,
        channel=page.link.channel,
        token=page.link.token,
        key=lead_key(page, lead),
        lead=lead,
        consent=page.copy["consent"],
    )


def crm_endpoint(session: Session, partner_id: int) -> ChannelEndpoint | None:
    return session.scalar(
        select(ChannelEndpoint).where(
            ChannelEndpoint.partner_id == partner_id, ChannelEndpoint.channel == "crm"
        )
    )


def _english(text: str, **values: str) -> str:
    return text % values if values else text


def N_(text: str) -> str:
    return text


SUBJECT = N_("New lead from your %(campaign)s page")
OPENING = N_("Someone asked %(partner)s to get in touch, on your co-branded page for %(campaign)s.")
AGREED = N_("They agreed to: %(consent)s")
CLOSING = N_("Reply to them soon: the lead is already in your results in the partner portal.")
FOLLOW_UP = N_("Say what became of it (accepted, contacted, won...) in your portal: %(link)s")


def lead_email(
    page: LandingPage,
    lead: dict[str, str],
    labels: dict[str, str] | None = None,
    words: Callable[..., str] = _english,
    leads_url: str | None = None,
) -> tuple[str, str]:
    """(subject, text) of the email the partner gets: everything the visitor gave, in
    the partner's language when the caller passes its `words` (a gettext) and labels;
    with `leads_url`, where the partner records what became of the lead."""
    names = labels or {}
    lines = [
        f"{names.get(name, name.capitalize())}: {value}"
        for name, value in lead.items()
        if value and name != "message"
    ]
    if lead.get("message"):  # quoted, line by line: it cannot pass for the lines above
        lines += [
            f"{names.get('message', 'Message')}:",
            *(f"> {line}" for line in lead["message"].splitlines()),
        ]
    campaign, partner = page.campaign.title, page.partner.name
    # Nothing the visitor typed goes into the subject, a header.
    subject = words(SUBJECT, campaign=campaign)
    body = "\n\n".join(
        [
            words(OPENING, partner=partner, campaign=campaign),
            "\n".join(lines),
            words(AGREED, consent=page.copy["consent"]),
            words(CLOSING),
            *([words(FOLLOW_UP, link=leads_url)] if leads_url else []),
        ]
    )
    return subject[:200], body


CONFIRM_SUBJECT = N_("Please confirm your request to %(partner)s")
CONFIRM_ASK = N_(
    "You asked %(partner)s to get in touch, on its page \u201c%(page)s\u201d. "
    "Please confirm it was you by opening this link:"
)
CONFIRM_IGNORE = N_(
    "If it was not you, ignore this email: %(partner)s will not hear of it, and what "
    "was entered is deleted."
)


def confirm_email(
    page: LandingPage, link: str, words: Callable[..., str] = _english
) -> tuple[str, str]:
    """(subject, text) of the double opt-in email to the visitor, in the partner's
    language when the caller passes its `words`; nothing the visitor typed is in it. The
    page is named by the headline the visitor read, never the vendor's internal campaign
    title ("Q3 launch")."""
    partner, headline = page.partner.name, page.copy["headline"]
    subject = words(CONFIRM_SUBJECT, partner=partner)
    body = "\n\n".join(
        [
            words(CONFIRM_ASK, partner=partner, page=headline),
            link,
            words(CONFIRM_IGNORE, partner=partner),
        ]
    )
    return subject[:200], body


def push_lead(
    runtime: Runtime, session: Session, page: LandingPage, lead: dict[str, str], key: str
) -> str | None:
    """The lead to the partner's own CRM endpoint when it has one: a contact in HubSpot, a
    Lead in Salesforce (connectors that are a LeadSink), a signed payload to a webhook.
    What happened is noted on the lead's event, so a failed push is visible and the lead
    itself is never lost with it."""
    endpoint = crm_endpoint(session, page.partner.id)
    if endpoint is None:
        return None
    config = unseal(endpoint.config or {}, runtime.settings.signing_keys)
    target = Endpoint(endpoint.kind, endpoint.url, config)
    connector = runtime.connector(endpoint.kind)
    try:
        if isinstance(connector, LeadSink):
            receipt = connector.push_lead(lead, target, f"lead-{key[:32]}")
        elif endpoint.kind == "webhook":
            receipt = connector.publish(_lead_message(page, lead), target, f"lead-{key[:32]}")
        else:
            return None
        outcome = f"pushed to your CRM ({receipt.provider} {receipt.reference})"
    except DeliveryError as exc:
        log.warning("lead push for %s failed: %s", page.partner.slug, exc)
        outcome = f"not pushed to your CRM: {exc}"
    stored = session.scalar(select(Event).where(Event.dedupe_key == key))
    if stored is not None:
        stored.data = {**stored.data, "crm": outcome[:300]}
    return outcome


def _lead_message(page: LandingPage, lead: dict[str, str]) -> Message:
    return Message(
        channel="crm",
        recipient="crm",
        subject=f"New lead: {lead['email']}",
        body_text="",
        payload={
            "type": "lead.created",
            "partner": page.partner.slug,
            "campaign": {"id": page.campaign.id, "name": page.campaign.title},
            "channel": page.link.channel,
            "lead": lead,
            "consent": page.copy["consent"],
        },
    )
