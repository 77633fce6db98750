"""Partner -> BrandContext: the only view of a partner that renderers ever get."""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields
from functools import lru_cache
from typing import Any

import phonenumbers

from campaign_engine.db import Partner
from campaign_engine.domain.brand import readable_text_on, white_brand
from campaign_engine.ports import BrandContext
from campaign_engine.services.assets.brand.lockup import fallback_lockup, mark_lockup
from campaign_engine.services.assets.brand.logos import (
    is_blank,
    is_mark,
    logo_brand_colour,
    logo_plate,
    luminance_of,
)


def _region(locale: str) -> str | None:
    """ "de-AT" -> "AT": where a number without its country code is dialled from."""
    if "-" in locale or "_" in locale:
        return locale.replace("_", "-").split("-")[-1].upper()
    return None


@lru_cache(maxsize=4096)
def format_phone(raw: str, locale: str) -> str:
    """The number as the partner wrote it when it is already international and grouped
    ("+49 89 1234 5678-0", "+30 210 555 1234": a library's grouping glued the extension on
    and regrouped an Athens number, a review by eye); otherwise the international format
    grouped as its country writes it; raw if unparseable. Cached: every work item builds
    its partner's brand, and parsing is not cheap."""
    if raw.startswith("+") and any(c in raw for c in " -.()"):
        return raw
    try:
        number = phonenumbers.parse(raw, _region(locale))
    except phonenumbers.NumberParseException:
        return raw
    if not phonenumbers.is_valid_number(number):
        return raw  # a merely possible number loses its grouping (+971 4 123 4567)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def tel_uri(raw: str, locale: str) -> str | None:
    """`tel:+4989123456780` for a number that parses (RFC 3966, digits only), None for
    one that does not: a partner's free text never becomes a link as it was typed."""
    try:
        number = phonenumbers.parse(raw, _region(locale))
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return "tel:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def partner_logo(partner: Partner) -> tuple[bytes, str]:
    """The logo the assets show and its kind (BrandContext.logo_kind): the partner's own;
    its name beside it when the logo is a favicon-sized mark; its name alone when it has
    none, or one that shows nothing (a blank white image). The name is the one it goes by,
    its short name where it has one: a lockup of a 58-letter legal name ran to three
    hyphenated lines (a review by eye)."""
    lang = partner.locale.replace("_", "-").split("-")[0].lower()  # hyphenation's language
    name = partner.short_name or partner.name
    if not partner.logo_png or is_blank(partner.logo_png):  # blank: nothing would show
        return fallback_lockup(name, partner.primary_color, lang), "name"
    if is_mark(partner.logo_png):
        return mark_lockup(partner.logo_png, name, partner.primary_color, lang), "mark"
    return partner.logo_png, "own"


def secondary_colour(partner: Partner, kind: str) -> str:
    """The partner's secondary colour; for a white brand with no colour but white, its
    own logo's colour (logos.logo_brand_colour), which fills its bands and buttons."""
    secondary = partner.secondary_color
    if kind != "own" or not white_brand(partner.primary_color):
        return secondary
    if secondary and not white_brand(secondary):
        return secondary
    return logo_brand_colour(partner.logo_png) or secondary


def brand_context(partner: Partner, customisations: dict[str, Any] | None = None) -> BrandContext:
    logo, kind = partner_logo(partner)
    secondary = secondary_colour(partner, kind)
    return BrandContext(
        slug=partner.slug,
        name=partner.name,
        primary_color=partner.primary_color,
        secondary_color=secondary,
        text_on_primary=readable_text_on(partner.primary_color),
        text_on_secondary=readable_text_on(secondary),
        logo_png=logo,
        logo_on_plate=logo_plate(logo) if partner.logo_png else None,
        logo_luminance=luminance_of(logo),
        logo_kind=kind,
        contact_email=partner.contact_email,
        phone=partner.phone,
        phone_display=format_phone(partner.phone, partner.locale),
        website=partner.website,
        postal_address=partner.postal_address,
        locale=partner.locale,
        timezone=partner.timezone,
        vertical=partner.vertical,
        customisations=customisations or {},
        short_name=partner.short_name,
        # deferred column: read only for the partners that have one
        logo_on_dark_png=partner.logo_on_dark_png if partner.logo_on_dark_sha256 else None,
    )


def brand_fingerprint(brand: BrandContext) -> str:
    """Stable hash of everything in the brand that can change a rendered asset."""
    # Shallow: asdict() deep-copies every field, the logo bytes included, on each lookup.
    data = {f.name: getattr(brand, f.name) for f in fields(brand)}
    data["logo_png"] = hashlib.sha256(brand.logo_png or b"").hexdigest()
    data["logo_on_dark_png"] = hashlib.sha256(brand.logo_on_dark_png or b"").hexdigest()
    data["customisations"] = dict(brand.customisations)
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
