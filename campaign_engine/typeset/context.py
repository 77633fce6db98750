"""The variables every kit template sees, built the same way for every renderer."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from campaign_engine.domain.brand import (
    PLATE_COLOURS,
    accent_for,
    brand_fill,
    fill_edge,
    readable_text_on,
)
from campaign_engine.domain.kit import KitContent
from campaign_engine.domain.tracking import WEBSITE_LINK, mailto, web_link
from campaign_engine.ports import BrandContext
from campaign_engine.typeset.logo_size import opaque
from campaign_engine.typeset.partner_text import PartnerText, direction, joined, text_dir

PLATES: dict[str | None, str] = PLATE_COLOURS | {None: "transparent"}


def localise(value: Any, partner_name: str, short_name: str = "") -> Any:
    """Fill `{partner}` (the partner's name) and `{partner_short}` (its short name, or its
    name when it has none) in every copy string; other placeholders are left for later.
    A kit names the partner in full once and by its short name after, as people write:
    "Acme Systemhaus Gesellschaft für Datenverarbeitung mbH" four times in one email is
    what a brand designer marked down."""
    short = short_name or partner_name
    if isinstance(value, str):
        for placeholder, name in (("{partner_short}", short), ("{partner}", partner_name)):
            if name.endswith("."):  # "... from Acme Inc.." would end twice
                value = value.replace(placeholder + ".", placeholder)
            value = value.replace(placeholder, name)
        return value
    if isinstance(value, Mapping):
        return {k: localise(v, partner_name, short_name) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [localise(v, partner_name, short_name) for v in value]
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


def address_lines(address: str) -> list[str]:
    """A postal address as the partner wrote it, one entry per line, blank lines dropped:
    print and HTML set each on its own line, one-line places join them with ", "."""
    return [line.strip() for line in address.splitlines() if line.strip()]


def logo_plate(brand: BrandContext) -> str | None:
    """The plate the brand asks for, or none when the logo is opaque."""
    if not brand.logo_png or brand.logo_on_plate is None or opaque(brand.logo_png):
        return None
    return brand.logo_on_plate


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
    for_print: bool = False,
) -> dict[str, Any]:
    """What every template sees. `for_print`: for WeasyPrint, which cannot keep Korean
    words whole by CSS (keep_korean_words) and hyphenates by itself."""
    vendor = kit.spec.vendor
    lang = kit.language_for(brand.language)
    names = [brand.name, brand.display_name]
    if lang == "fr":  # the copy's « » and : got narrow no-break spaces, its names too
        names += [french_spacing(name) for name in names]
    text = PartnerText(names, brand.language, lang, for_print=for_print)
    copy = localise(kit.copy_for(brand.language), brand.name, brand.short_name)
    if lang == "fr":
        copy = french_spacing(copy)
    return {
        "lang": lang,
        "dir": direction(lang),
        "copy": copy,
        "partner": _partner(brand, link, text, logo_src),
        "joined": joined,
        "text_dir": text_dir,
        "bdi": text.bdi,
        "named": text.named,
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


def _partner(
    brand: BrandContext, link: Callable[[str], str], text: PartnerText, logo_src: str
) -> dict[str, Any]:
    """The partner as templates see it: its fields, its address's lines, its colours."""
    lines = address_lines(brand.postal_address)
    return {
        "name": brand.name,
        "short_name": brand.display_name,
        "name_lang": text.lang(brand.name),
        "slug": brand.slug,
        "website": brand.website.strip(),
        "website_url": website_url(brand, link),
        "phone": brand.phone_display.strip(),
        "contact_email": brand.contact_email.strip(),
        "contact_mailto": mailto(brand.contact_email.strip()),
        "postal_address": brand.postal_address,
        # the address's own lines, for print and HTML (<br> between them), and joined
        # with ", " where one line is all there is
        "address_lines": lines,
        "address_one_line": ", ".join(lines),
        "address_longest_line": max(lines, key=len, default=""),
        "address_lang": text.lang(" ".join(lines)),
        **_colours(brand),
        "plate_color": PLATES.get(logo_plate(brand), "transparent"),
        "logo_src": logo_src,
        # the logo is a lockup that spells the name (none uploaded, or a tiny mark):
        # a template need not set the name beside it again
        "logo_shows_name": brand.logo_shows_name,
        "vertical": brand.vertical,
    }


def _colours(brand: BrandContext) -> dict[str, str]:
    """The partner's colours, and those derived from them that read on or beside them."""
    fill = brand_fill(brand.primary_color, brand.secondary_color)
    accent = accent_for(brand.primary_color, brand.secondary_color)
    return {
        "primary_color": brand.primary_color,
        "secondary_color": brand.secondary_color,
        "text_on_primary": brand.text_on_primary,
        "text_on_secondary": brand.text_on_secondary,
        # links, headings and figures on white
        "accent_color": accent,
        "link_color": accent,
        # a button's and a band's fill (the brand colour, however light), the text that
        # reads on it, and its 1px edge (the fill itself unless it is near white)
        "button_color": fill,
        "text_on_button": readable_text_on(fill),
        "button_edge": fill_edge(fill),
        "band_color": fill,
        "text_on_band": readable_text_on(fill),
        "band_edge": fill_edge(fill),
    }


def lookup(copy: Mapping[str, Any], dotted: str) -> Any:
    """`copy` value at a dotted key such as 'email.subject'; KeyError names the key."""
    node: Any = copy
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise KeyError(f"copy key '{dotted}' is missing")
        node = node[part]
    return node
