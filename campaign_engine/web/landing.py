"""Co-branded landing pages (services/workspace/landing.py).

Who may use them: anyone with a tracked link's token (the partner's customers reach the
page from a post, an email or a signature). What they grant: seeing the page, and
submitting one lead to that partner (rate-limited per address and per page, a honeypot
for bots). Nothing else: no sign-in, and nothing of any other partner.
"""

from __future__ import annotations

import base64
import ipaddress
from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _

from campaign_engine.domain.brand import (
    accent_for,
    brand_fill,
    fill_edge,
    readable_text_on,
)
from campaign_engine.errors import InvalidInput
from campaign_engine.ports import BrandContext
from campaign_engine.services.access.mail import send_link_email
from campaign_engine.services.brand.context import brand_context
from campaign_engine.services.ratelimit import Limit, try_acquire
from campaign_engine.services.workspace.landing import (
    LandingPage,
    landing_page,
    lead_email,
    lead_key,
    leads_this_hour,
    push_lead,
    read_lead,
    record_lead,
)
from campaign_engine.web.formats import portal_locale, web_link
from campaign_engine.web.session import db, runtime
from renderers.context import address_lines
from renderers.email import PARTNER_LOGO_ROOM, shown_size
from renderers.logo_size import opaque, opaque_plate_on, plate_on, visible
from renderers.partner_text import PartnerText, direction

bp = Blueprint("landing", __name__)
HOURLY_LEADS = 60  # per partner: past this, a flood, not customers (the form says "later")


def _network(address: str | None) -> str:
    """Who a limit counts: an IPv4 address, or an IPv6 /64 (one host's usual share, so
    rotating addresses inside it buys nothing)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return "unknown"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _page(token: str) -> LandingPage:
    settings = runtime().settings
    return landing_page(db(), token, settings.storage_dir, settings.public_base_url)


def _render(page: LandingPage, token: str, status: int = 200, **extra: Any) -> tuple[str, int]:
    """In the partner's language, whatever the visitor's browser says: it is the
    partner's page."""
    brand = brand_context(page.partner)
    locale = portal_locale(page.partner.locale)
    copy_lang = page.kit.language_for(brand.language)
    text = PartnerText([brand.name, brand.display_name], brand.language, copy_lang, for_print=False)
    with force_locale(locale):
        labels = _labels()
        html = render_template(
            "landing/page.html",
            page=page,
            token=token,
            brand=brand,
            colours=_colours(brand),
            logo=_logo(brand),
            address=address_lines(brand.postal_address),
            named=text.named,
            bdi=text.bdi,
            website=web_link(page.partner.website),
            language=locale.split("_")[0],
            copy_lang=copy_lang,
            copy_dir=direction(copy_lang),
            labels=labels,
            thanks_title=_("Thank you"),
            learn_more=_("Learn more about the offer"),
            thanks_text=_("%(partner)s will be in touch soon.", partner=page.partner.name),
            values=extra.pop("values", {}),
            **{"done": False, "error": None, "error_field": None, **extra},
        )
    return html, status


def _colours(brand: BrandContext) -> dict[str, str]:
    """The header and the button share one fill, the brand colour however light, with the
    text that reads on it and a 1px edge when it is near white (the header was true
    yellow and the button olive); links on white take a readable brand colour."""
    fill = brand_fill(brand.primary_color)
    return {
        "fill": fill,
        "on_fill": readable_text_on(fill),
        "edge": fill_edge(fill),
        "link": accent_for(brand.primary_color, brand.secondary_color),
    }


def _logo(brand: BrandContext) -> dict[str, Any] | None:
    """The logo as the email shows it (its visual weight, at least 24 px on its short
    side), on a plate only when it would not show on the header's fill (or its own ground
    is the fill's colour); None when no size reads, and the page sets the name instead."""
    if not brand.logo_png:
        return None
    png = visible(brand.logo_png)
    size = shown_size(png, PARTNER_LOGO_ROOM)
    if size is None:
        return None
    fill = brand_fill(brand.primary_color)
    plate = opaque_plate_on(png, fill) if opaque(png) else plate_on(png, fill)
    return {
        "data": base64.b64encode(png).decode(),
        "width": size[0],
        "height": size[1],
        "plate": plate,
    }


def _labels() -> dict[str, str]:
    """The form's fields as people read them, in the current locale."""
    return {
        "name": _("Your name"),
        "email": _("Work email"),
        "company": _("Company"),
        "phone": _("Phone"),
        "message": _("Message"),
    }


def _problem(field: str | None) -> str:
    """What the visitor reads, in the partner's language, for the field that failed."""
    if field == "email":
        return _("Please enter your email address, like name@company.example.")
    if field == "consent":
        return _("Please tick the box to agree to be contacted.")
    return _("Please shorten the marked field.")


@bp.get("/l/<token>")
def show(token: str) -> tuple[str, int]:
    return _render(_page(token), token)


@bp.post("/l/<token>")
def submit(token: str) -> tuple[str, int]:
    page = _page(token)
    form = {k: v for k, v in request.form.items() if k != "csrf_token"}
    if form.get("website_url"):  # the honeypot: a bot is thanked, and nothing is kept
        return _render(page, token, done=True)
    rt = runtime()
    session = db()
    try:
        lead = read_lead(page, form)
    except InvalidInput as exc:
        with force_locale(portal_locale(page.partner.locale)):
            message = _problem(exc.where)
        return _render(page, token, 422, error=message, error_field=exc.where, values=form)
    wait = try_acquire(
        session,
        [
            Limit(f"landing:ip:{_network(request.remote_addr)}", 0.1),
            Limit(f"landing:page:{page.link.token}", 1.0),
        ],
        rt.clock(),
    )
    if wait > 0 or leads_this_hour(session, page.partner.id, rt.clock()) >= HOURLY_LEADS:
        session.commit()
        with force_locale(portal_locale(page.partner.locale)):
            message = _("Too many requests from here: try again in a minute.")
        return _render(page, token, 429, error=message, values=form)
    new = record_lead(session, page, lead, rt.clock())
    session.commit()  # the lead is kept before anything is sent about it
    if new:
        if page.partner.contact_email:
            with force_locale(portal_locale(page.partner.locale)):
                subject, body = lead_email(page, lead, _labels(), _)
            send_link_email(rt, page.partner.contact_email, subject, body)
        if push_lead(rt, session, page, lead, lead_key(page, lead)) is not None:
            session.commit()
    return _render(page, token, done=True)
