"""What is wrong with a partner's brand whatever the asset: characters no font draws,
markup in a field, a logo lost against its plate."""

from __future__ import annotations

import re

from campaign_engine.domain.brand import (
    LIGHT_TEXT,
    NON_TEXT,
    PLATE_COLOURS,
    luminance_contrast,
    relative_luminance,
)
from campaign_engine.domain.kit import KitContent
from campaign_engine.ports import BrandContext
from campaign_engine.services.assets.brand.logos import is_opaque, stands_out
from campaign_engine.services.assets.preflight.fonts import missing_glyphs
from campaign_engine.services.assets.preflight.problems import Problem, Severity
from campaign_engine.typeset.logo_size import least_contrast, pixel_size
from campaign_engine.typeset.slots import PAGE_LOGO_ROOM, PARTNER_LOGO_ROOM, shown_size

MARKUP = re.compile(r"<[a-zA-Z/][^>]*>")


def check_brand(kit: KitContent, brand: BrandContext) -> list[Problem]:
    """What is wrong whatever the asset: characters no font draws (they print as boxes in
    the brochure, the images and the name lockup) and a logo lost against its plate."""
    problems = []
    font = str(kit.root / kit.spec.fonts.bold) if kit.spec.fonts else None
    for field, text in (
        ("name", brand.name),
        ("short name", brand.short_name),
        ("postal address", brand.postal_address),
    ):
        missing = missing_glyphs(text, font)
        if missing:
            problems.append(
                Problem(
                    "brand",
                    "glyph_missing",
                    Severity.BLOCK,
                    f"no font draws {' '.join(missing)} in your {field}; it would print "
                    "as empty boxes. Write it without them, or ask the vendor to add a font",
                )
            )
    problems += _drawn_in_images(font, brand)
    for field, text in (("name", brand.name), ("postal address", brand.postal_address)):
        if markup := MARKUP.search(text):
            problems.append(
                Problem(
                    "brand",
                    "markup_in_field",
                    Severity.WARN,
                    f"your {field} contains markup ({markup.group(0)}); it is "
                    "printed as written, tags and all",
                )
            )
    problems += check_language(kit, brand)
    if brand.logo_with_name:
        problems.append(
            Problem(
                "brand",
                "logo_with_name",
                Severity.WARN,
                "your logo is too small to be read alone, so your name is set beside it; "
                "upload a logo at least 96 pixels tall to show it on its own",
            )
        )
    problems += _name_instead(brand)
    ratio = logo_contrast(brand)
    if ratio is not None and ratio < NON_TEXT:
        problems.append(
            Problem(
                "brand",
                "logo_contrast",
                Severity.BLOCK,
                f"your logo stands out from its background at only {ratio:.1f}:1 (at least "
                "3:1 is needed to be seen); upload a darker or a lighter version",
            )
        )
    return problems


def _drawn_in_images(font: str | None, brand: BrandContext) -> list[Problem]:
    """The name as the social images and the signature banner draw it: Pillow has no
    font fallback of its own, so those renderers draw from their own chain of fonts
    (campaign_engine.typeset.glyphs), which may lack a script fontconfig finds a font for (Ethiopic,
    Khmer, Gujarati): the email and the brochure print such a name, the images show
    boxes. Asked here so the check answers for every renderer."""
    from campaign_engine.typeset.glyphs import missing_glyphs as missing_in_images

    problems = []
    for field, text in (("name", brand.name), ("short name", brand.short_name)):
        missing = [c for c in missing_in_images(text, font) if c not in missing_glyphs(c)]
        if missing:
            problems.append(
                Problem(
                    "brand",
                    "glyph_missing",
                    Severity.BLOCK,
                    f"the social images and the email signature banner have no font for "
                    f"{' '.join(missing)} in your {field}; they would show empty boxes",
                )
            )
    return problems


def _name_instead(brand: BrandContext) -> list[Problem]:
    """A logo of a shape no readable size of fits the email's room (a 15:1 wordmark): the
    email, the website embed and the landing page set the partner's name instead, and
    the partner was not told (a review by eye found one logo in some assets, its name in
    others)."""
    if brand.logo_kind != "own" or not brand.logo_png:
        return []
    if shown_size(brand.logo_png, PARTNER_LOGO_ROOM) is not None:
        return []
    width, height = pixel_size(brand.logo_png)
    shape = f"{width / height:.0f}:1 wide" if width >= height else f"1:{height / width:.0f} tall"
    # the web pages' header is wider (typeset.slots): an 18:1 wordmark shows there
    pages = shown_size(brand.logo_png, PAGE_LOGO_ROOM) is None
    where = "the email, the website embed, the landing page" if pages else "the email"
    return [
        Problem(
            "brand",
            "logo_name_instead",
            Severity.WARN,
            f"your logo is {shape}: no size of it reads in the email's header, so {where} "
            "and any social image, brochure or signature banner with as little room set "
            "your name instead; upload a more compact version (stacked, or the mark "
            "alone) to show it there",
        )
    ]


def logo_contrast(brand: BrandContext) -> float | None:
    """Contrast of a logo with transparency against the plate it is shown on; None for an
    opaque logo, which brings its own ground. On the grey plate, given to a logo of light
    and dark parts, the contrast its least visible tenth reaches: its mean is a grey."""
    if not brand.logo_png or is_opaque(brand.logo_png) or brand.logo_kind == "name":
        return None  # opaque: its own ground; "name": the engine's lockup, readable as made
    ground = PLATE_COLOURS.get(brand.logo_on_plate or "white", LIGHT_TEXT)  # no plate: white
    if brand.logo_on_plate == "mid":
        return least_contrast(brand.logo_png, ground)
    if stands_out(brand.logo_png, brand.logo_on_plate):
        return None  # its mean, or its main part, at 3:1: the plate's own rule (logos.py)
    return luminance_contrast(relative_luminance(ground), brand.logo_luminance)


def check_language(kit: KitContent, brand: BrandContext) -> list[Problem]:
    """A partner whose language the kit has no copy for gets the kit's default language
    in every asset; a review by eye found nine languages falling back with no word."""
    copy = kit.language_for(brand.language)
    if copy == brand.language:
        return []
    return [
        Problem(
            "brand",
            "copy_language",
            Severity.WARN,
            f"the kit has no copy in your language ({_named(brand.language)}): your "
            f"assets are written in {_named(copy)}; ask the vendor for a translation",
        )
    ]


def _named(language: str) -> str:
    """The language's English name ("Thai"), or its code when Babel does not know it."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(language).get_display_name("en") or language
    except (UnknownLocaleError, ValueError):
        return language
