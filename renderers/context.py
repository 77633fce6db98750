"""The variables every kit template sees, built the same way for every renderer."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from campaign_engine.domain.brand import (
    PLATE_COLOURS,
    accent_on_white,
    brand_fill,
    readable_text_on,
)
from campaign_engine.domain.kit import KitContent
from campaign_engine.domain.tracking import WEBSITE_LINK, web_link
from campaign_engine.ports import BrandContext

PLATES: dict[str | None, str] = {**PLATE_COLOURS, None: "transparent"}


def localise(value: Any, partner_name: str) -> Any:
    """Fill `{partner}` in every copy string; other placeholders are left for later."""
    if isinstance(value, str):
        if partner_name.endswith("."):  # "... from Acme Inc.." would end twice
            value = value.replace("{partner}.", "{partner}")
        return value.replace("{partner}", partner_name)
    if isinstance(value, Mapping):
        return {k: localise(v, partner_name) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [localise(v, partner_name) for v in value]
    return value


def french_spacing(value: Any) -> Any:
    """French typography: a narrow no-break space inside « » and before : ; ! ? so a line
    never breaks between the mark and its word (also in a partner's own name)."""
    if isinstance(value, str):
        value = re.sub(r"«[ \u00a0]?", "«\u202f", value)
        value = re.sub(r"[ \u00a0]?»", "\u202f»", value)
        return re.sub(r"[ \u00a0]([:;!?])", "\u202f\\1", value)
    if isinstance(value, Mapping):
        return {k: french_spacing(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [french_spacing(v) for v in value]
    return value


def customisations(kit: KitContent, brand: BrandContext) -> dict[str, Any]:
    """Every declared customisable field, the partner's value or the kit's default."""
    return {
        key: brand.customisations.get(key, field.default)
        for key, field in kit.spec.customisable.items()
    }


def website_url(brand: BrandContext, link: Callable[[str], str]) -> str:
    """The tracked link to the partner's website where the send has one, else the website
    itself if it is an http(s) address (a preview, a check), else nothing to click."""
    try:
        return link(WEBSITE_LINK)
    except KeyError:
        return web_link(brand.website) or ""


def template_context(
    kit: KitContent,
    brand: BrandContext,
    link: Callable[[str], str],
    *,
    logo_src: str,
    vendor_logo_src: str,
) -> dict[str, Any]:
    vendor = kit.spec.vendor
    fill = brand_fill(brand.primary_color, brand.secondary_color)
    partner = {
        "name": brand.name,
        "short_name": brand.display_name,
        "slug": brand.slug,
        "website": brand.website,
        "website_url": website_url(brand, link),
        "phone": brand.phone_display,
        "contact_email": brand.contact_email,
        "postal_address": brand.postal_address,
        "primary_color": brand.primary_color,
        "secondary_color": brand.secondary_color,
        "text_on_primary": brand.text_on_primary,
        "text_on_secondary": brand.text_on_secondary,
        "accent_color": accent_on_white(brand.primary_color),
        "link_color": accent_on_white(brand.primary_color),
        # a button's and a band's fill on a white page, and the text that reads on it
        "button_color": fill,
        "text_on_button": readable_text_on(fill),
        "band_color": fill,
        "text_on_band": readable_text_on(fill),
        "plate_color": PLATES.get(brand.logo_on_plate, "transparent"),
        "logo_src": logo_src,
        # the logo is a lockup that spells the name (none uploaded, or a tiny mark):
        # a template need not set the name beside it again
        "logo_shows_name": brand.logo_shows_name,
        "vertical": brand.vertical,
    }
    lang = kit.language_for(brand.language)
    copy = localise(kit.copy_for(brand.language), brand.name)
    if lang == "fr":
        copy = french_spacing(copy)
    return {
        "lang": lang,
        "copy": copy,
        "partner": partner,
        "vendor": {
            "name": vendor.name,
            "website": str(vendor.website),
            "postal_address": vendor.postal_address,
            "brand_color": vendor.brand_color,
            "logo_src": vendor_logo_src,
        },
        "custom": customisations(kit, brand),
        "link": link,
    }


def lookup(copy: Mapping[str, Any], dotted: str) -> Any:
    """`copy` value at a dotted key such as 'email.subject'; KeyError names the key."""
    node: Any = copy
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise KeyError(f"copy key '{dotted}' is missing")
        node = node[part]
    return node
